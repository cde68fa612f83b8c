// ecg-screen: the native command-line tool (paths -> bytes -> core -> JSON on stdout).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "ecg/error.h"
#include "ecg/io.h"
#include "ecg/record.h"
#include "ecg/screen.h"

namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "usage: ecg-screen <command> [options] <record>...\n"
    "\n"
    "commands:\n"
    "  info <record>...     print a JSON summary of each record (one JSON object per line)\n"
    "  screen <record>...   screen each record and print its findings as JSON (one object per line)\n"
    "  --version            print the version\n"
    "\n"
    "A <record> is a WFDB header (path/to/00003_hr.hea) or its path without extension;\n"
    "the signal files it names are read from the same folder.\n"
    "Exit status: 0 success, 1 a record could not be read or screened, 2 bad usage.\n";

struct LoadedFile {
  std::string name;
  std::vector<std::uint8_t> bytes;
};

LoadedFile load_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ecg::Error(path.string() + ": cannot open the file (does it exist and is it readable?)");
  LoadedFile f{path.string(), std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {})};
  return f;
}

std::vector<LoadedFile> load_record_files(const std::string& arg) {
  fs::path path(arg);
  if (path.extension() != ".hea" && fs::exists(fs::path(arg + ".hea"))) path = arg + ".hea";
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

ecg::Record read(const std::string& arg) {
  std::vector<LoadedFile> files = load_record_files(arg);
  std::vector<ecg::io::NamedBuffer> buffers;
  for (const auto& f : files) buffers.push_back({f.name, f.bytes});
  return ecg::io::read_record(buffers);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("ecg-screen %s\n", ECG_SCREEN_VERSION);
    return 0;
  }
  const std::string command = args[0];
  std::vector<std::string> records(args.begin() + 1, args.end());
  if ((command != "info" && command != "screen") || records.empty()) {
    std::fprintf(stderr, "ecg-screen: %s\n%s",
                 records.empty() && (command == "info" || command == "screen")
                     ? ("'" + command + "' needs at least one record").c_str()
                     : ("unknown command '" + command + "'").c_str(),
                 kUsage);
    return 2;
  }
  int status = 0;
  for (const std::string& arg : records) {
    try {
      ecg::Record record = read(arg);
      if (command == "info") {
        std::cout << ecg::record_info_json(record) << '\n';
      } else {
        std::cout << ecg::screen::to_json(ecg::screen::screen(record, {})) << '\n';
      }
    } catch (const ecg::Error& e) {
      std::fprintf(stderr, "ecg-screen: %s: %s\n", arg.c_str(), e.what());
      status = 1;
    }
  }
  return status;
}
