// ecg::io annotations: the WFDB (MIT format) annotation reader, e.g. MIT-BIH `.atr` beat labels and
// LUDB's per-lead delineation files (`.i`, `.ii`, ..., `.v6`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ecg/io.h"

namespace ecg::io {

// One annotation, with wfdb-python's field names.
struct Annotation {
  std::int64_t sample = 0;  // sample index (time from the start of the record, in samples)
  int code = 0;             // MIT annotation code (1 = NORMAL, 5 = PVC, 39 = '(' wave onset, ...)
  std::string symbol;       // its symbol: "N", "V", "(", "p", "t", "+", ...; "[42]" for unnamed codes
  int subtype = 0;          // `subtyp` (signed, -128..127)
  int channel = 0;          // `chan`: persists from the previous annotation unless the file changes it
  int num = 0;              // `num`: persists likewise
  std::string aux;          // aux note, e.g. "(AFIB" for a rhythm change; trailing NULs removed
};

struct AnnotationSet {
  std::string file;                  // the file's name as given
  std::string extension;             // its annotator name: "atr", "i", "v6", ...
  std::vector<Annotation> annotations;
};

// Reads a WFDB annotation file in MIT format (the format of every annotation file PhysioNet ships).
// Bad or truncated input gives an ecg::Error naming the file, the byte offset, expected and found.
AnnotationSet read_wfdb_annotations(const NamedBuffer& file);

// Symbol of an MIT annotation code ("N" for 1, "V" for 5, ...; "[n]" for codes without a symbol).
std::string annotation_symbol(int code);

// The set as one JSON object: {"file", "extension", "annotations": [{sample, symbol, code, subtype,
// channel, num, aux}, ...]}; what `ecg-screen annotations` prints and the JS API returns.
std::string annotations_json(const AnnotationSet& set);

}  // namespace ecg::io
