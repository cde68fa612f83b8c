// Path-aware record loading for the native tools (the core itself only ever sees bytes).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "ecg/error.h"
#include "ecg/io.h"
#include "ecg/record.h"

#include <nlohmann/json.hpp>

namespace ecg::cli {

struct LoadedFile {
  std::string name;
  std::vector<std::uint8_t> bytes;
};

// Caps for files whose size nothing else bounds (a record's own header states its signal files' sizes).
inline constexpr std::uint64_t kMaxModelBytes = std::uint64_t{512} << 20;  // 512 MiB; shipped models are a few MB

// What a path is when it is not a regular file, for messages.
inline std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Reads a file only when it is a regular file of at most max_bytes (`limit` says where the cap comes
// from): never a directory, device, FIFO or socket, and the type is checked before and after opening
// (O_NONBLOCK, so a FIFO swapped in between cannot block), so the read is bounded and cannot hang.
inline LoadedFile load_file(const std::filesystem::path& path, std::uint64_t max_bytes = ecg::io::kMaxRecordFileBytes,
                            const std::string& limit = "the limit for a file without a header stating its size") {
  const std::string name = path.string();
  struct stat st {};
  if (::stat(name.c_str(), &st) != 0) throw ecg::Error(name + ": cannot open the file (" + std::strerror(errno) + ")");
  if (!S_ISREG(st.st_mode)) throw ecg::Error(name + ": expected a regular file, found " + file_kind(st.st_mode));
  const int fd = ::open(name.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw ecg::Error(name + ": cannot open the file (" + std::strerror(errno) + ")");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) throw ecg::Error(name + ": expected a regular file, found " + file_kind(st.st_mode));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) {
    throw ecg::Error(name + ": expected at most " + std::to_string(max_bytes) + " bytes (" + limit + "), found " + std::to_string(size) + " bytes");
  }
  LoadedFile out{name, std::vector<std::uint8_t>(static_cast<std::size_t>(size))};
  std::size_t got = 0;
  while (got < out.bytes.size()) {
    const ssize_t r = ::read(fd, out.bytes.data() + got, out.bytes.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw ecg::Error(name + ": cannot read the file (" + std::strerror(errno) + ")");
    if (r == 0) break;  // shrank while reading: keep what is there, the reader checks sizes
    got += static_cast<std::size_t>(r);
  }
  out.bytes.resize(got);
  return out;
}

// A file a header names must stay inside the header's folder: the core only accepts plain file names,
// and a symbolic link there must not lead out of the folder either.
inline void check_inside_folder(const std::filesystem::path& file, const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  std::error_code ec1, ec2;
  const fs::path real_file = fs::canonical(file, ec1);
  const fs::path real_folder = fs::canonical(folder.empty() ? fs::path(".") : folder, ec2);
  if (ec1 || ec2) return;  // missing: load_file names the problem
  if (real_file.parent_path() != real_folder) {
    throw ecg::Error(file.string() + ": expected a file inside the record's folder, found a link to " + real_file.string() +
                     " (signal files must sit beside their header)");
  }
}

// A WFDB header (path/to/x.hea), its path without extension, a .mat/.dat with its .hea beside it,
// a .csv or an .edf file; a WFDB header's signal files are read from its folder, each capped at the
// size its header declares.
inline std::vector<LoadedFile> load_record_files(const std::string& arg) {
  namespace fs = std::filesystem;
  fs::path path(arg);
  std::error_code ec;
  if (path.extension() == ".mat" || path.extension() == ".dat") {
    path.replace_extension(".hea");  // a signal file: its header sits beside it
  } else if (!fs::exists(path, ec)) {
    for (const char* ext : {".hea", ".edf", ".csv"}) {
      if (fs::exists(fs::path(arg + ext), ec)) {
        path = arg + ext;
        break;
      }
    }
  }
  const bool header = path.extension() == ".hea";
  std::vector<LoadedFile> files;
  files.push_back(header ? load_file(path, ecg::io::kMaxHeaderBytes, "the limit for a WFDB header") : load_file(path));
  if (header) {
    ecg::io::NamedBuffer hea{files[0].name, files[0].bytes};
    for (const ecg::io::CompanionFile& companion : ecg::io::wfdb_companion_limits(hea)) {
      const fs::path file = path.parent_path() / companion.name;
      check_inside_folder(file, path.parent_path());
      files.push_back(load_file(file, companion.max_bytes, "what " + path.filename().string() + " declares for it"));
    }
  }
  return files;
}

inline ecg::Record read_record_at(const std::string& arg, const ecg::io::ReadOptions& options = {}) {
  std::vector<LoadedFile> files = load_record_files(arg);
  std::vector<ecg::io::NamedBuffer> buffers;
  for (const auto& f : files) buffers.push_back({f.name, f.bytes});
  return ecg::io::read_record(buffers, options);
}

// The `task` of a model file's document, read from its header only ("" when unreadable: loading
// the file then reports what is wrong with it).
inline std::string model_task(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::uint64_t n = 0;
  if (!in.read(reinterpret_cast<char*>(&n), 8) || n > (1u << 24)) return "";
  std::string header(static_cast<std::size_t>(n), '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(n))) return "";
  try {
    const auto doc = nlohmann::json::parse(nlohmann::json::parse(header).at("__metadata__").at("ecg_screen").get<std::string>());
    return doc.value("task", std::string("screen"));
  } catch (const nlohmann::json::exception&) {
    return "";
  }
}

// The model files screening uses by default: every *.safetensors in $ECG_SCREEN_MODELS, or else in
// the repository's models/ folder (ECG_MODELS_DIR, set by CMake), sorted by name; detector models
// (task "qrs": models/qrs-1, compiled into the core) are not screening models and are skipped.
inline std::vector<std::string> default_model_files() {
  namespace fs = std::filesystem;
  const char* env = std::getenv("ECG_SCREEN_MODELS");
  const fs::path dir = env && *env ? fs::path(env) : fs::path(ECG_MODELS_DIR);
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".safetensors" && model_task(it->path().string()) != "qrs") files.push_back(it->path().string());
  }
  if (ec && env && *env) throw ecg::Error("ECG_SCREEN_MODELS=" + std::string(env) + ": cannot read the folder (" + ec.message() + ")");
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace ecg::cli
