// WFDB annotation reader (MIT format; https://physionet.org/physiotools/wag/annot-5.htm).
//
// The file is a sequence of 16-bit little-endian words; the top 6 bits are a code A, the low 10 bits
// a value I. A = 1..49: an annotation of code A, I samples after the previous one. Pseudo-codes
// modify the annotation that follows (or the one just read): 59 SKIP (the next 4 bytes are a 32-bit
// interval, high 16 bits first, each half little-endian), 60 NUM, 61 SUB (subtype), 62 CHN (channel),
// 63 AUX (I bytes of text follow, padded to an even length). A word of 0 ends the file.
#include <nlohmann/json.hpp>

#include "ecg/annotations.h"
#include "ecg/error.h"

namespace ecg::io {
namespace {

// Symbols of codes 0..49 as the WFDB library's annstr table has them (ecgcodes.h).
constexpr const char* kSymbols[50] = {
    " ", "N", "L", "R", "a", "V", "F", "J", "A", "S", "E", "j", "/", "Q", "~", nullptr, "|", nullptr, "s", "T",
    "*", "D", "\"", "=", "p", "B", "^", "t", "+", "u", "?", "!", "[", "]", "e", "n", "@", "x", "f", "(",
    ")", "r", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

// Refuse files claiming more annotations than this (a 24-h Holter has ~150,000 beats).
constexpr std::size_t kMaxAnnotations = std::size_t{1} << 24;

}  // namespace

std::string annotation_symbol(int code) {
  if (code >= 0 && code < 50 && kSymbols[code] != nullptr) return kSymbols[code];
  return "[" + std::to_string(code) + "]";
}

AnnotationSet read_wfdb_annotations(const NamedBuffer& file) {
  AnnotationSet set;
  set.file = file.name;
  const std::string base = file.name.substr(file.name.find_last_of("/\\") == std::string::npos ? 0 : file.name.find_last_of("/\\") + 1);
  if (auto dot = base.rfind('.'); dot != std::string::npos) set.extension = base.substr(dot + 1);
  const auto& b = file.bytes;
  const std::string& fname = file.name;
  std::size_t pos = 0;
  std::int64_t time = 0;
  int chan = 0, num = 0;
  bool ended = false;
  Annotation* last = nullptr;
  auto need = [&](std::size_t bytes, const char* what) {
    if (pos + bytes > b.size()) {
      throw Error(fname + ", byte " + std::to_string(pos) + ": expected " + std::to_string(bytes) + " more bytes for " + what +
                  ", found " + std::to_string(b.size() - pos) + " (file truncated?)");
    }
  };
  while (pos + 2 <= b.size()) {
    const unsigned word = b[pos] | (b[pos + 1] << 8);
    const int a = static_cast<int>(word >> 10);
    const int i = static_cast<int>(word & 0x3FF);
    const std::size_t at = pos;
    pos += 2;
    if (word == 0) {
      ended = true;
      break;
    }
    switch (a) {
      case 59: {  // SKIP: 32-bit interval, high half first
        need(4, "a SKIP interval");
        const std::uint32_t hi = b[pos] | (b[pos + 1] << 8);
        const std::uint32_t lo = b[pos + 2] | (b[pos + 3] << 8);
        time += static_cast<std::int32_t>((hi << 16) | lo);
        pos += 4;
        break;
      }
      case 60:  // NUM
        num = i > 511 ? i - 1024 : i;
        if (last) last->num = num;
        break;
      case 61:  // SUB
        if (!last) throw Error(fname + ", byte " + std::to_string(at) + ": expected an annotation before a SUB (subtype) word, found none");
        last->subtype = static_cast<std::int8_t>(static_cast<std::uint8_t>(i & 0xFF));
        break;
      case 62:  // CHN
        chan = i;
        if (last) last->channel = chan;
        break;
      case 63: {  // AUX
        if (!last) throw Error(fname + ", byte " + std::to_string(at) + ": expected an annotation before an AUX note, found none");
        need(static_cast<std::size_t>(i), "an AUX note");
        std::string aux(reinterpret_cast<const char*>(b.data()) + pos, static_cast<std::size_t>(i));
        while (!aux.empty() && aux.back() == '\0') aux.pop_back();
        last->aux = std::move(aux);
        pos += static_cast<std::size_t>(i) + (i % 2);  // padded to an even length
        break;
      }
      default: {
        if (a > 49) {
          throw Error(fname + ", byte " + std::to_string(at) + ": expected an annotation code 0..49 or 59..63, found " + std::to_string(a));
        }
        time += i;
        if (time < 0) throw Error(fname + ", byte " + std::to_string(at) + ": expected a sample index >= 0, found " + std::to_string(time));
        if (set.annotations.size() >= kMaxAnnotations) {
          throw Error(fname + ": expected at most " + std::to_string(kMaxAnnotations) + " annotations, found more");
        }
        Annotation ann;
        ann.sample = time;
        ann.code = a;
        ann.symbol = annotation_symbol(a);
        ann.channel = chan;
        ann.num = num;
        set.annotations.push_back(std::move(ann));
        last = &set.annotations.back();
      }
    }
  }
  if (!ended) {
    throw Error(fname + ": expected the end-of-file word (two zero bytes), found " +
                (pos < b.size() ? std::string("one stray byte") : std::string("the end of the data")) + " after " +
                std::to_string(set.annotations.size()) + " annotations (file truncated?)");
  }
  return set;
}

std::string annotations_json(const AnnotationSet& set) {
  nlohmann::json items = nlohmann::json::array();
  for (const Annotation& a : set.annotations) {
    items.push_back({{"sample", a.sample}, {"symbol", a.symbol}, {"code", a.code}, {"subtype", a.subtype},
                     {"channel", a.channel}, {"num", a.num}, {"aux", a.aux}});
  }
  nlohmann::json j;
  j["file"] = set.file;
  j["extension"] = set.extension;
  j["annotations"] = std::move(items);
  // Aux notes are free bytes: replace invalid UTF-8 rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ecg::io
