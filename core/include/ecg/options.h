// ecg::options: the JS API's options objects, each parsed from JSON in one place with every key known.
#pragma once

#include <string>
#include <string_view>

#include "ecg/io.h"
#include "ecg/live.h"
#include "ecg/screen.h"

namespace ecg::options {

// Each parser takes the JSON text of one options object ("" is an empty object) and knows its keys,
// their types and ranges; a key absent or null keeps its default. Errors are ecg::Error naming the
// option by its JS API (camelCase) name, never the C++ field:
//   unknown option 'bogus' in readRecord options (expected one of: fsHz, units, deriveLimbLeads)
//   fsHz: expected a number (above 10 and at most 20000 Hz), found a string "x"
//   age: expected a number (years, between 0 and 150), found 400
//   readRecord options: expected an object, found an array

// readRecord / readRecordFromPath: {fsHz, units, deriveLimbLeads}.
io::ReadOptions read_options(std::string_view json);

// A patient: {age, sex}; sex "female", "male" or "unknown".
screen::Patient patient(std::string_view json);

// The patient's sex when given, else the record's own (what screening and the rules use).
Sex effective_sex(const screen::Patient& patient, const Record& record);

// createStream: {source, fsHz, lead, updateEveryS, keepS, hrWindowS, rhythmWindowS, recordS,
// startUnixMs, rhythmModel}; rhythmModel is a model file the JS API handles itself, so it is known
// here only to be named in messages (its value is never read). Ranges are checked as
// check_live_options does.
struct LiveStreamOptions {
  screen::LiveSource source = screen::LiveSource::ecg;
  screen::LiveOptions live;
};
LiveStreamOptions live_stream(std::string_view json);

// The ranges of live-stream options (LiveScreener's constructor checks them too), with messages in the
// JS API's names: "keepS: expected a number (seconds, from rhythmWindowS + updateEveryS + 10 = 45 to
// 3600), found 20".
void check_live_options(screen::LiveSource source, const screen::LiveOptions& options);

}  // namespace ecg::options
