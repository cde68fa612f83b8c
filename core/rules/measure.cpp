// Frontal P and T axes on the median beats (ecg/measure.h): the same construction as the QRS axis
// of the LAD/RAD rules (net area, atan2(2 aVF / sqrt 3, I)), over the wave's own boundaries.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "ecg/measure.h"

namespace ecg::measure {

Axis frontal_axis(const MedianBeats& m, Wave wave, std::span<const std::string> leads_used, bool amplitude_normalised) {
  Axis a;
  const char* what = wave == Wave::p ? "P" : "T";
  auto usable = [&](const char* name) -> const std::vector<float>* {
    if (std::find(leads_used.begin(), leads_used.end(), name) == leads_used.end()) return nullptr;
    auto it = std::find(m.leads.begin(), m.leads.end(), name);
    if (it == m.leads.end()) return nullptr;
    const auto& v = m.mv[static_cast<std::size_t>(it - m.leads.begin())];
    return v.empty() ? nullptr : &v;
  };
  const std::vector<float>* lead_i = usable("I");
  const std::vector<float>* avf = usable("aVF");
  const std::vector<float>* ii = usable("II");
  const auto from = wave == Wave::p ? m.p_on : m.qrs_off;
  const auto to = wave == Wave::p ? m.p_off : m.t_off;
  if (amplitude_normalised) a.reason = "lead amplitudes are normalised per lead (not millivolts): areas cannot be compared";
  else if (m.beats == 0) a.reason = "no beat fits a median-beat window";
  else if (!lead_i) a.reason = "needs lead I (usable)";
  else if (!avf && !ii) a.reason = "needs lead aVF or II (usable)";
  else if (!from || !to || *to <= *from)
    a.reason = wave == Wave::p ? "P wave not delineated in at least half of the beats" : "T-wave end not delineated in at least half of the beats";
  if (!a.reason.empty()) return a;
  auto area = [&](const std::vector<float>& v) {
    double s = 0;
    for (std::int64_t k = *from; k <= *to; ++k) s += v[static_cast<std::size_t>(m.pre + k)];
    return s * 1000.0 / m.fs_hz;  // mV*ms
  };
  const double a_i = area(*lead_i);
  const double a_vf = avf ? area(*avf) : area(*ii) - a_i / 2.0;
  if (a_i == 0.0 && a_vf == 0.0) {
    a.reason = std::string("no net ") + what + "-wave area in leads I and aVF";
    return a;
  }
  a.deg = std::atan2(2.0 * a_vf / std::sqrt(3.0), a_i) * 180.0 / std::numbers::pi;
  return a;
}

}  // namespace ecg::measure
