#include "neuromesh/protocol/codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace neuromesh::protocol {
namespace {

constexpr std::string_view canonical_task =
    R"({"v":"1","id":"evt_01JV8Y3Q6W5T2K9M4N7P0R1S2T","trace_id":"trc_01JV8Y3Q6W5T2K9M4N7P0R1S2V",)"
    R"("parent_id":null,"type":"TASK","directed":{"id":"answerer","type":null,"capabilities":[]},)"
    R"("ts":"2026-05-16T14:22:01.391234Z","payload":{"input":{"q":"hi"}},"meta":{}})";

std::string reencode(std::string_view in) {
  auto s = decode(in);
  if (!s) return "error: " + s.error().what();
  return encode(*s);
}

// The tail of an envelope after "payload": (what most leniency rows are about).
std::string payload_of(std::string_view in) {
  auto s = decode(in);
  if (!s) return "error: " + s.error().what();
  return s->payload.text();
}

TEST(codec, encodes_fields_in_wire_order_with_explicit_nulls) {
  signal s{.v = "1",
           .id = event_id{"evt_01JV8Y3Q6W5T2K9M4N7P0R1S2T"},
           .trace_id = trace_id{"trc_01JV8Y3Q6W5T2K9M4N7P0R1S2V"},
           .parent_id = std::nullopt,
           .type = signal_type::task,
           .directed = directed{.id = "answerer", .type = std::nullopt, .capabilities = {}},
           .ts = *timestamp::parse("2026-05-16T14:22:01.391234Z"),
           .payload = *raw_object::parse(R"({"input":{"q":"hi"}})"),
           .meta = raw_object()};
  EXPECT_EQ(encode(s), canonical_task);
}

TEST(codec, canonical_envelopes_round_trip_byte_identically) {
  std::vector<std::string> inputs = {
      std::string(canonical_task),
      R"({"v":"1","id":"evt_A","trace_id":"trc_B","parent_id":"evt_C","type":"AGENT_OUTPUT","directed":null,"ts":"2026-05-16T14:22:01Z","payload":{"output":{"z":1,"a":[1.5,-0.0,null,true,false,"é😀"],"m":{"b":{},"a":[]}}},"meta":{"tokens":{"in":12,"out":3},"big":123456789012345678901234567890}})",
      R"({"v":"1.3","id":"evt_x","trace_id":"trc_y","parent_id":null,"type":"AUDIT","directed":{"id":null,"type":"kind","capabilities":["a","b"]},"ts":"2026-05-16T14:22:01.000001+05:45","payload":{"s":"tab\there \"q\" \\ \u0001 \u001f"},"meta":{}})",
      R"({"v":"1","id":"evt_x","trace_id":"trc_y","parent_id":null,"type":"THOUGHT_DELTA","directed":null,"ts":"2026-05-16T14:22:01","payload":{"f":[1e-7,1e+16,0.00001,1000000000000000.0,2.5e-300,1.7976931348623157e+308]},"meta":{}})",
  };
  for (const auto& in : inputs) EXPECT_EQ(reencode(in), in);
}

TEST(codec, reencodes_lenient_input_as_the_python_sdk_would) {
  // Whitespace, escapes, numbers (rows verified against pydantic 2.13.4).
  struct row {
    std::string_view payload_in, payload_out;
  };
  const row rows[] = {
      {R"( { "a" : 1 , "b" : [ 1 , 2 ] } )", R"({"a":1,"b":[1,2]})"},
      {R"({"s":"\u00e9\ud83d\ude00\/"})", R"({"s":"é😀/"})"},
      {R"({"s":"\u0041\u001F\u007f\u2028"})", "{\"s\":\"A\\u001f\x7f\xe2\x80\xa8\"}"},
      {R"({"x":1E5,"y":0.50,"z":-0,"w":-0.0,"v":-0e0})",
       R"({"x":100000.0,"y":0.5,"z":0,"w":-0.0,"v":-0.0})"},
      {R"({"a":NaN,"b":Infinity,"c":-Infinity,"d":1e400,"e":-1e400})",
       R"({"a":null,"b":null,"c":null,"d":null,"e":null})"},
      {R"({"a":1e-400,"b":-1e-400,"c":5e-324})", R"({"a":0.0,"b":-0.0,"c":5e-324})"},
      {R"({"a":1e-5,"b":9.9e-6,"c":1e16,"d":9999999999999998.0,"e":1e15,"f":123e-2})",
       R"({"a":0.00001,"b":9.9e-6,"c":1e+16,"d":9999999999999998.0,"e":1000000000000000.0,"f":1.23})"},
      {R"({"a":100000000000000000000.0,"b":12345678901234567890123.5})",
       R"({"a":1e+20,"b":1.2345678901234568e+22})"},
      {R"({"a":18446744073709551616,"b":-9223372036854775809})",
       R"({"a":18446744073709551616,"b":-9223372036854775809})"},
      {R"({"a":1,"b":2,"a":3})", R"({"a":3,"b":2})"},
      {R"({"a":{"x":1},"a":{"y":2}})", R"({"a":{"y":2}})"},
      {R"({"\u0061":1,"a":2})", R"({"a":2})"},
      {R"({"o":{"k":1,"j":2,"k":{"k":3,"k":4}}})", R"({"o":{"k":{"k":4},"j":2}})"},
  };
  for (const auto& r : rows) {
    std::string in = R"({"type":"TASK","payload":)" + std::string(r.payload_in) + "}";
    EXPECT_EQ(payload_of(in), r.payload_out) << r.payload_in;
  }
}

TEST(codec, leniency_table_matches_the_reference_decoder) {
  struct row {
    std::string_view in;
    std::string_view expect;  // encoded envelope, or "error: ..." exactly
  };
  const std::string_view ts = R"("ts":"2026-05-16T14:22:01Z")";
  (void)ts;
  const row rows[] = {
      // any key order, unknown keys dropped (legacy "neuron" too), partial directed filled in
      {R"({"meta":{},"payload":{},"ts":"2026-05-16T14:22:01Z","directed":{"zz":1,"id":"a"},"type":"TASK","parent_id":null,"trace_id":"trc_a","id":"evt_a","v":"1","neuron":"x"})",
       R"({"v":"1","id":"evt_a","trace_id":"trc_a","parent_id":null,"type":"TASK","directed":{"id":"a","type":null,"capabilities":[]},"ts":"2026-05-16T14:22:01Z","payload":{},"meta":{}})"},
      {R"({"id":"evt_a","trace_id":"trc_a","type":"TASK","ts":"2026-05-16T14:22:01Z","directed":{}})",
       R"({"v":"1","id":"evt_a","trace_id":"trc_a","parent_id":null,"type":"TASK","directed":{"id":null,"type":null,"capabilities":[]},"ts":"2026-05-16T14:22:01Z","payload":{},"meta":{}})"},
      // duplicate keys keep the last, also for type
      {R"({"id":"evt_a","trace_id":"trc_a","type":"BAD","type":"FINAL","ts":null,"ts":"2026-05-16T14:22:01Z","payload":null,"payload":{"r":1}})",
       R"({"v":"1","id":"evt_a","trace_id":"trc_a","parent_id":null,"type":"FINAL","directed":null,"ts":"2026-05-16T14:22:01Z","payload":{"r":1},"meta":{}})"},
      // v major 1, prefix-only ids
      {R"({"v":"1.3","id":"evt_","trace_id":"trc_prism_internal","parent_id":"evt_xevt_x","type":"STOP","ts":"2026-05-16T14:22:01Z"})",
       R"({"v":"1.3","id":"evt_","trace_id":"trc_prism_internal","parent_id":"evt_xevt_x","type":"STOP","directed":null,"ts":"2026-05-16T14:22:01Z","payload":{},"meta":{}})"},
      {R"({"type":"TASK","v":"2"})", "error: v: unsupported major version in '2' (expected 1)"},
      {R"({"type":"TASK","v":"1x"})", "error: v: unsupported major version in '1x' (expected 1)"},
      {R"({"type":"TASK","v":1})", "error: v: expected string, got number"},
      {R"({"type":"TASK","id":null})", "error: id: expected string, got null"},
      {R"({"type":"TASK","id":"evx_1"})", "error: id: must start with 'evt_', got 'evx_1'"},
      {R"({"type":"TASK","trace_id":"evt_1"})",
       "error: trace_id: must start with 'trc_', got 'evt_1'"},
      {R"({"type":"TASK","parent_id":""})", "error: parent_id: must start with 'evt_', got ''"},
      {R"({"type":"TASK","ts":null})", "error: ts: expected datetime string or number, got null"},
      {R"({"type":"TASK","payload":null})", "error: payload: expected object, got null"},
      {R"({"type":"TASK","meta":[]})", "error: meta: expected object, got array"},
      {R"({"type":"task"})", "error: type: unknown signal type 'task'"},
      {R"({"v":"1"})", "error: type: required field missing"},
      {R"({"type":"TASK","directed":[]})", "error: directed: expected object or null, got array"},
      {R"({"type":"TASK","directed":{"capabilities":null}})",
       "error: directed.capabilities: expected array, got null"},
      {R"({"type":"TASK","directed":{"capabilities":["a",1,"b"]}})",
       "error: directed.capabilities[1]: expected string, got number"},
      {R"({"type":"TASK","directed":{"id":1}})",
       "error: directed.id: expected string or null, got number"},
      {R"([1])", "error: expected a JSON object, got array"},
      {R"()", "error: invalid JSON at offset 0: empty input"},
      {R"({"type":"TASK"} x)",
       "error: invalid JSON at offset 16: unexpected characters after the envelope"},
      {R"({"type":"TASK","payload":{"a":01}})",
       "error: payload: invalid JSON at offset 31: expected ',' or '}'"},
      {R"({"type":"TASK","payload":{"a":"\ud800"}})",
       "error: payload: invalid JSON at offset 37: lone surrogate in \\u escape"},
      {"{\"type\":\"TASK\",\"payload\":{\"a\":\"\xff\"}}",
       "error: payload: invalid JSON at offset 31: invalid UTF-8 in string"},
      {R"({"type":"TASK","x":{"a":1,}})",
       "error: invalid JSON at offset 26: expected a string key"},
      {std::string_view("{\"type\":\"TASK\"}\0", 16),
       "error: invalid JSON at offset 15: unexpected characters after the envelope"},
      {"\xef\xbb\xbf{\"type\":\"TASK\"}", "error: invalid JSON at offset 0: expected a value"},
      {"{\"type\":\"TASK\",\f\"v\":\"1\"}",
       "error: invalid JSON at offset 15: expected a string key"},
  };
  for (const auto& r : rows) EXPECT_EQ(reencode(r.in), r.expect) << r.in;
}

TEST(codec, fills_defaults_for_absent_fields_and_reports_them) {
  decode_notes notes;
  auto s = decode(R"({"type":"HEARTBEAT"})", notes);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->v, "1");
  EXPECT_TRUE(s->id.is_canonical());
  EXPECT_TRUE(s->trace_id.is_canonical());
  EXPECT_FALSE(s->parent_id);
  EXPECT_FALSE(s->directed);
  EXPECT_EQ(s->payload.text(), "{}");
  EXPECT_TRUE(notes.missing_v && notes.missing_id && notes.missing_trace_id && notes.missing_ts);
}

TEST(codec, notes_a_timestamp_not_in_utc_z_form) {
  for (std::string_view ts :
       {R"("2026-05-16T14:22:01+00:00")", R"("2026-05-16T14:22:01")", "1700000000"}) {
    decode_notes notes;
    auto s = decode(R"({"type":"TASK","ts":)" + std::string(ts) + "}", notes);
    ASSERT_TRUE(s) << ts;
    EXPECT_TRUE(notes.ts_not_utc_z) << ts;
  }
  decode_notes notes;
  ASSERT_TRUE(decode(R"({"type":"TASK","ts":"2026-05-16T14:22:01Z"})", notes));
  EXPECT_FALSE(notes.ts_not_utc_z);
}

TEST(codec, nesting_beyond_200_levels_is_rejected_like_jiter) {
  auto nested = [](int depth) {
    return R"({"type":"TASK","payload":{"a":)" + std::string(depth, '[') + "1" +
           std::string(depth, ']') + "}}";
  };
  EXPECT_TRUE(decode(nested(198)));
  auto s = decode(nested(199));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("recursion limit"), std::string::npos);
}

TEST(codec, integers_longer_than_4300_digits_are_rejected_like_python) {
  EXPECT_TRUE(decode(R"({"type":"TASK","payload":{"a":)" + std::string(4300, '7') + "}}"));
  EXPECT_FALSE(decode(R"({"type":"TASK","payload":{"a":)" + std::string(4301, '7') + "}}"));
}

TEST(codec, many_duplicate_keys_stay_linear_and_keep_python_order) {
  std::string payload = "{";
  for (int i = 0; i < 5000; ++i)
    payload += "\"k" + std::to_string(i % 100) + "\":" + std::to_string(i) + ",";
  payload.back() = '}';
  auto p = raw_object::parse(payload);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->text().starts_with(R"({"k0":4900,"k1":4901,)"));
  EXPECT_TRUE(p->text().ends_with(R"("k99":4999})"));
}

TEST(codec, value_of_a_failed_result_throws_the_named_error) {
  auto s = decode(R"({"type":"TASK","payload":null})");
  EXPECT_THROW((void)s.value(), std::invalid_argument);
}

}  // namespace
}  // namespace neuromesh::protocol
