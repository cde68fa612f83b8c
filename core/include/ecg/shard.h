// ecg::screen shards: a stable split of a batch of records into N shards by record name, so N
// processes, hosts or cluster tasks (GNU parallel, a Kubernetes Indexed Job, a Slurm array) can each
// screen one shard; the `eval` results of the shards merge into the unsharded one (ecg/evaluate.h).
//
// A record's shard depends on its name only (FNV-1a 64 of the name's bytes, modulo N): not on the
// order of the files, the folder listing, the host or the number of threads. Shards are numbered
// from 1 (K/N with 1 <= K <= N), like Slurm's `--array=1-N`; a Kubernetes Indexed Job's
// JOB_COMPLETION_INDEX (from 0) is shard JOB_COMPLETION_INDEX + 1. docs/scale-out.md has recipes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ecg::screen {

struct Shard {
  std::size_t k = 1;  // this shard, 1..n
  std::size_t n = 1;  // number of shards
};

inline constexpr std::size_t kMaxShards = 1000000;

// Parses "K/N" (whole numbers, 1 <= K <= N <= kMaxShards). Throws ecg::Error saying what was
// expected and found: "--shard: got '0/3', expected K/N ...".
Shard parse_shard(std::string_view text);

// FNV-1a 64 of the bytes (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
std::uint64_t fnv1a64(std::string_view bytes);

// The record name a path stands for: the file name without its folder and without a record
// extension (.hea, .mat, .dat, .csv, .edf, any case): "data/A0001.hea" and "data/A0001" -> "A0001".
std::string record_name_of_path(std::string_view path);

// The shard (1..n) of a record name: fnv1a64(name) % n + 1.
std::size_t shard_of(std::string_view record_name, std::size_t n);

// Whether the record at `path` belongs to `shard`.
bool in_shard(std::string_view path, const Shard& shard);

}  // namespace ecg::screen
