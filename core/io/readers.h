// Internal entry points of the single-file readers that read_record dispatches to.
#pragma once

#include "ecg/io.h"

namespace ecg::io {

// CSV / TSV: one column per lead, optional header row and time column (see csv.cpp).
Record read_csv(const NamedBuffer& file, const ReadOptions& options);
// EDF / EDF+C: continuous recordings; annotation signals skipped (see edf.cpp).
Record read_edf(const NamedBuffer& file, const ReadOptions& options);

}  // namespace ecg::io
