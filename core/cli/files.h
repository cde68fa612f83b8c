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

#include "ecg/error.h"
#include "ecg/io.h"
#include "ecg/record.h"

namespace ecg::cli {

struct LoadedFile {
  std::string name;
  std::vector<std::uint8_t> bytes;
};

inline LoadedFile load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ecg::Error(path.string() + ": cannot open the file (does it exist and is it readable?)");
  return {path.string(), std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {})};
}

// A WFDB header (path/to/x.hea), its path without extension, a .mat/.dat with its .hea beside it,
// a .csv or an .edf file; a WFDB header's signal files are read from its folder.
inline std::vector<LoadedFile> load_record_files(const std::string& arg) {
  namespace fs = std::filesystem;
  fs::path path(arg);
  if (path.extension() == ".mat" || path.extension() == ".dat") {
    path.replace_extension(".hea");  // a signal file: its header sits beside it
  } else if (!fs::exists(path)) {
    for (const char* ext : {".hea", ".edf", ".csv"}) {
      if (fs::exists(fs::path(arg + ext))) {
        path = arg + ext;
        break;
      }
    }
  }
  std::vector<LoadedFile> files;
  files.push_back(load_file(path));
  if (path.extension() == ".hea") {
    ecg::io::NamedBuffer header{files[0].name, files[0].bytes};
    for (const std::string& companion : ecg::io::wfdb_companion_files(header)) {
      files.push_back(load_file(path.parent_path() / companion));
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

// The model files screening uses by default: every *.safetensors in $ECG_SCREEN_MODELS, or else in
// the repository's models/ folder (ECG_MODELS_DIR, set by CMake), sorted by name.
inline std::vector<std::string> default_model_files() {
  namespace fs = std::filesystem;
  const char* env = std::getenv("ECG_SCREEN_MODELS");
  const fs::path dir = env && *env ? fs::path(env) : fs::path(ECG_MODELS_DIR);
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".safetensors") files.push_back(entry.path().string());
  }
  if (ec && env && *env) throw ecg::Error("ECG_SCREEN_MODELS=" + std::string(env) + ": cannot read the folder (" + ec.message() + ")");
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace ecg::cli
