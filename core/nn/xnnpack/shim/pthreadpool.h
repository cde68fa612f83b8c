// Stand-in for <pthreadpool.h> where libxnnpack-dev is installed without libpthreadpool-dev:
// xnnpack.h only names the opaque pool type; the backend always passes a null pool (one thread).
#pragma once
typedef struct pthreadpool* pthreadpool_t;
