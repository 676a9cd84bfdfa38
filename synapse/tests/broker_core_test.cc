#include "broker_core.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace neuromesh::synapse::detail {
namespace {

struct recording_sink : broker_sink {
  std::map<session_id, std::vector<std::string>> out;
  std::vector<std::pair<std::string, std::string>> signals;
  void send(session_id to, out_line line) override {
    auto text = line.str();
    EXPECT_EQ(text.back(), '\n');
    text.pop_back();
    out[to].push_back(std::move(text));
  }
  void on_signal(std::string_view subject, std::string_view frame) override {
    signals.emplace_back(subject, frame);
  }
  std::vector<session_id> pongs;
  void on_pong(session_id id) override { pongs.push_back(id); }
  std::vector<std::string> take(session_id id) { return std::exchange(out[id], {}); }
};

struct broker_core_test : ::testing::Test {
  recording_sink sink;
  broker_core core{sink, [] { return std::string("2026-05-16T14:22:01.391234+00:00"); }};
  void open(session_id id) {
    core.open_session(id);
    sink.take(id);
  }
  void line(session_id id, std::string_view l) { core.handle_line(id, l); }
};

using lines = std::vector<std::string>;

TEST_F(broker_core_test, welcomes_a_new_session) {
  core.open_session(1);
  EXPECT_EQ(sink.take(1), lines{R"({"op":"welcome"})"});
}

TEST_F(broker_core_test, answers_hello_and_ping) {
  open(1);
  line(1, R"({"op":"hello"})");
  line(1, R"({"op":"ping"})");
  EXPECT_EQ(sink.take(1), (lines{R"({"op":"welcome"})", R"({"op":"pong"})"}));
}

TEST_F(broker_core_test, a_pong_is_reported_to_the_shell_and_not_answered) {
  open(1);
  line(1, R"({"op":"pong"})");
  EXPECT_TRUE(sink.take(1).empty());
  EXPECT_EQ(sink.pongs, std::vector<session_id>{1});
  EXPECT_EQ(core.stats().unknown_ops, 0u);
}

TEST_F(broker_core_test, routes_a_pub_as_msg_with_reference_key_order) {
  open(1);
  open(2);
  line(1, R"({"op":"sub","sub_id":"s1","subject":"cosmonapse.dev.TASK","queue_group":null})");
  line(2, R"({"op":"pub","subject":"cosmonapse.dev.TASK","frame":"{\"v\":\"1\"}"})");
  EXPECT_EQ(
      sink.take(1),
      lines{
          R"({"op":"msg","subject":"cosmonapse.dev.TASK","frame":"{\"v\":\"1\"}","sub_id":"s1"})"});
  EXPECT_TRUE(sink.take(2).empty());
  ASSERT_EQ(sink.signals.size(), 1u);
  EXPECT_EQ(sink.signals[0].second, R"({"v":"1"})");
}

TEST_F(broker_core_test, frames_are_re_escaped_the_python_way) {
  open(1);
  line(1, R"({"op":"sub","sub_id":"s","subject":"a"})");
  line(1,
       "{\"op\":\"pub\",\"subject\":\"a\",\"frame\":\"caf\xc3\xa9 \\/ \\u00e9 \xf0\x9f\x98\x80\"}");
  EXPECT_EQ(
      sink.take(1),
      lines{
          R"({"op":"msg","subject":"a","frame":"caf\u00e9 / \u00e9 \ud83d\ude00","sub_id":"s"})"});
}

TEST_F(broker_core_test, publisher_receives_its_own_messages) {
  open(1);
  line(1, R"({"op":"sub","sub_id":"me","subject":"cosmonapse.dev.>"})");
  line(1, R"({"op":"pub","subject":"cosmonapse.dev.STOP","frame":"x"})");
  EXPECT_EQ(sink.take(1).size(), 1u);
}

TEST_F(broker_core_test, wildcards_follow_the_reference_matcher) {
  open(1);
  line(1, R"({"op":"sub","sub_id":"star","subject":"cosmonapse.*.TASK"})");
  line(1, R"({"op":"sub","sub_id":"tail","subject":"cosmonapse.>"})");
  line(1, R"({"op":"pub","subject":"cosmonapse.dev.TASK","frame":"1"})");
  line(1, R"({"op":"pub","subject":"cosmonapse.dev.extra.TASK","frame":"2"})");
  line(1, R"({"op":"pub","subject":"cosmonapse","frame":"3"})");
  auto got = sink.take(1);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got[0].find(R"("sub_id":"star")"), std::string::npos);
  EXPECT_NE(got[1].find(R"("frame":"1","sub_id":"tail")"), std::string::npos);
  EXPECT_NE(got[2].find(R"("frame":"2","sub_id":"tail")"), std::string::npos);
}

TEST_F(broker_core_test, queue_group_round_robins_and_dopplers_see_everything) {
  open(1);
  open(2);
  open(3);
  line(1, R"({"op":"sub","sub_id":"w1","subject":"t.>","queue_group":"caps:a"})");
  line(2, R"({"op":"sub","sub_id":"w2","subject":"t.>","queue_group":"caps:a"})");
  line(3, R"({"op":"sub","sub_id":"d","subject":"t.>","queue_group":null})");
  for (int i = 0; i < 10; ++i) line(3, R"({"op":"pub","subject":"t.x","frame":"f"})");
  EXPECT_EQ(sink.take(1).size(), 5u);
  EXPECT_EQ(sink.take(2).size(), 5u);
  EXPECT_EQ(sink.take(3).size(), 10u);
}

TEST_F(broker_core_test, round_robin_counter_is_per_group_name_across_subjects) {
  open(1);
  line(1, R"({"op":"sub","sub_id":"a","subject":"x","queue_group":"g"})");
  line(1, R"({"op":"sub","sub_id":"b","subject":">","queue_group":"g"})");
  line(1, R"({"op":"pub","subject":"y","frame":"1"})");  // only b matches; counter 0 -> 1
  line(1, R"({"op":"pub","subject":"x","frame":"2"})");  // a,b match; 1 % 2 = b
  line(1, R"({"op":"pub","subject":"x","frame":"3"})");  // 2 % 2 = a
  auto got = sink.take(1);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got[1].find(R"("sub_id":"b")"), std::string::npos);
  EXPECT_NE(got[2].find(R"("sub_id":"a")"), std::string::npos);
}

TEST_F(broker_core_test, unsub_stops_delivery_and_same_sub_id_overwrites) {
  open(1);
  line(1, R"({"op":"sub","sub_id":"s","subject":"a"})");
  line(1, R"({"op":"sub","sub_id":"s","subject":"b"})");
  line(1, R"({"op":"pub","subject":"a","frame":"1"})");
  line(1, R"({"op":"pub","subject":"b","frame":"2"})");
  EXPECT_EQ(sink.take(1).size(), 1u);
  line(1, R"({"op":"unsub","sub_id":"s"})");
  line(1, R"({"op":"unsub","sub_id":"never"})");
  line(1, R"({"op":"pub","subject":"b","frame":"3"})");
  EXPECT_TRUE(sink.take(1).empty());
}

TEST_F(broker_core_test, errors_name_the_problem_and_the_session_keeps_working) {
  open(1);
  line(1, "not json");
  line(1, "");
  line(1, "[1,2]");
  line(1, R"({"op":"frobnicate"})");
  line(1, R"({"nop":1})");
  line(1, R"({"op":"pub","subject":"a"})");
  line(1, R"({"op":"pub","frame":"x"})");
  line(1, R"({"op":"pub","subject":7,"frame":"x"})");
  line(1, R"({"op":"sub","subject":"a"})");
  line(1, R"({"op":"ns_register"})");
  line(1, R"({"op":"mgmt_info","namespace":"nope"})");
  line(1, R"({"op":"mgmt_stop"})");
  line(1, R"({"op":"ping"})");
  auto got = sink.take(1);
  ASSERT_EQ(got.size(), 13u);
  EXPECT_TRUE(got[0].starts_with(R"({"op":"err","message":"bad JSON: )")) << got[0];
  EXPECT_TRUE(got[1].starts_with(R"({"op":"err","message":"bad JSON: )")) << got[1];
  EXPECT_EQ(got[2], R"({"op":"err","message":"bad JSON: expected an object, got an array"})");
  EXPECT_EQ(got[3], R"({"op":"err","message":"unknown op 'frobnicate'"})");
  EXPECT_EQ(got[4], R"({"op":"err","message":"unknown op None"})");
  EXPECT_EQ(got[5], R"({"op":"err","message":"pub: missing subject/frame"})");
  EXPECT_EQ(got[6], R"({"op":"err","message":"pub: missing subject/frame"})");
  EXPECT_EQ(got[7], R"({"op":"err","message":"pub: subject must be a string, got a number"})");
  EXPECT_EQ(got[8], R"({"op":"err","message":"sub: missing sub_id/subject"})");
  EXPECT_EQ(got[9], R"({"op":"err","message":"ns_register: missing namespace"})");
  EXPECT_EQ(got[10], R"({"op":"err","message":"namespace 'nope' not found"})");
  EXPECT_EQ(got[11], R"({"op":"err","message":"namespace None not found"})");
  EXPECT_EQ(got[12], R"({"op":"pong"})");
  auto st = core.stats();
  EXPECT_EQ(st.bad_json, 3u);
  EXPECT_EQ(st.unknown_ops, 2u);
}

TEST_F(broker_core_test, too_long_lines_get_an_err) {
  open(1);
  core.line_too_long(1, 1024);
  EXPECT_EQ(sink.take(1),
            lines{R"({"op":"err","message":"line too long: exceeds 1024 bytes; skipped"})"});
}

TEST_F(broker_core_test, namespace_management_matches_the_reference) {
  open(1);
  open(2);
  line(1, R"({"op":"ns_register","namespace":"dev","transport":"memory"})");
  EXPECT_EQ(sink.take(1), lines{R"({"op":"ns_registered","namespace":"dev"})"});
  line(2, R"({"op":"pub","subject":"cosmonapse.dev.TASK","frame":"x"})");
  line(2, R"({"op":"pub","subject":"cosmonapse.other.TASK","frame":"x"})");
  line(2, R"({"op":"mgmt_list"})");
  line(2, R"({"op":"mgmt_info","namespace":"dev"})");
  EXPECT_EQ(
      sink.take(2),
      (lines{
          R"({"op":"mgmt_ns_list","namespaces":[{"namespace":"dev","transport":"memory","started_at":"2026-05-16T14:22:01.391234+00:00","signal_count":1}]})",
          R"({"op":"mgmt_ns_info","namespace":"dev","transport":"memory","started_at":"2026-05-16T14:22:01.391234+00:00","signal_count":1,"client_count":2})"}));
  line(2, R"({"op":"mgmt_stop","namespace":"dev"})");
  EXPECT_EQ(sink.take(1), lines{R"({"op":"ns_stopping","namespace":"dev"})"});
  EXPECT_EQ(sink.take(2), lines{R"({"op":"mgmt_stop_ack","namespace":"dev"})"});
  line(2, R"({"op":"mgmt_list"})");
  EXPECT_EQ(sink.take(2), lines{R"({"op":"mgmt_ns_list","namespaces":[]})"});
}

TEST_F(broker_core_test, transport_defaults_to_memory) {
  open(1);
  line(1, R"({"op":"ns_register","namespace":"n"})");
  line(1, R"({"op":"mgmt_list"})");
  auto got = sink.take(1);
  EXPECT_NE(got[1].find(R"("transport":"memory")"), std::string::npos);
}

TEST_F(broker_core_test, disconnect_removes_subscriptions_and_owned_namespaces) {
  open(1);
  open(2);
  line(1, R"({"op":"sub","sub_id":"s","subject":">"})");
  line(1, R"({"op":"ns_register","namespace":"dev"})");
  sink.take(1);
  core.close_session(1);
  line(2, R"({"op":"pub","subject":"a","frame":"x"})");
  line(2, R"({"op":"mgmt_list"})");
  EXPECT_TRUE(sink.take(1).empty());
  EXPECT_EQ(sink.take(2), lines{R"({"op":"mgmt_ns_list","namespaces":[]})"});
  EXPECT_EQ(core.session_count(), 1u);
}

TEST(broker_core_clock, utc_now_iso_has_python_isoformat_shape) {
  auto s = broker_core::utc_now_iso();
  EXPECT_TRUE(s.ends_with("+00:00")) << s;
  EXPECT_TRUE(s.size() == 25 || s.size() == 32) << s;
  EXPECT_EQ(s[10], 'T');
}

// Randomised: garbage lines interleaved with valid pubs never lose a valid message and
// never stop the session.
TEST_F(broker_core_test, garbage_interleaved_with_valid_pubs_loses_nothing) {
  open(1);
  open(2);
  line(1, R"({"op":"sub","sub_id":"s","subject":"cosmonapse.dev.>"})");
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\":,\\ opubsfrmaj0123456789.\x01\xc3\xff\xe2";
  int valid = 0;
  for (int i = 0; i < 5000; ++i) {
    if (rng() % 3 == 0) {
      line(2, R"({"op":"pub","subject":"cosmonapse.dev.TASK","frame":"n)" + std::to_string(i) +
                  R"("})");
      ++valid;
    } else {
      std::string g;
      for (int k = 0, n = static_cast<int>(rng() % 40); k < n; ++k)
        g += alphabet[rng() % alphabet.size()];
      if (rng() % 4 == 0) g = R"({"op":"pub","subject":)" + g;
      line(2, g);
    }
  }
  EXPECT_EQ(static_cast<int>(sink.take(1).size()), valid);
  EXPECT_EQ(core.session_count(), 2u);
}

// Randomised: the pub fast path (frame forwarded verbatim when its escaping is already
// Python's) writes byte for byte what the full parse + re-escape writes, for every mix of
// plain text, short escapes, \u escapes in either case, surrogates, '\/', raw UTF-8 and
// broken shapes; and it counts the same.
TEST(broker_core_fast_path, agrees_with_the_full_parse_on_random_pubs) {
  recording_sink fast_sink, slow_sink;
  broker_core fast(fast_sink), slow(slow_sink);
  slow.set_fast_path(false);
  for (auto* c : {&fast, &slow}) {
    c->set_observe_signals(false);
    c->open_session(1);
    c->open_session(2);
    c->handle_line(1, R"({"op":"sub","sub_id":"s","subject":">"})");
  }
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           " ",
                                           "/",
                                           "\\/",
                                           "\\\\",
                                           "\\\"",
                                           "\\n",
                                           "\\t",
                                           "\\r",
                                           "\\b",
                                           "\\f",
                                           "\\u0001",
                                           "\\u001F",
                                           "\\u001f",
                                           "\\u0041",
                                           "\\u00e9",
                                           "\\u00E9",
                                           "\\u2603",
                                           "\\ud83d\\ude00",
                                           "\\ud800",
                                           "\\u007f",
                                           "\\u0008",
                                           "\\u000a",
                                           "\xc3\xa9",
                                           "\x7f",
                                           "\x01",
                                           "\"",
                                           "\\x",
                                           "\\u12",
                                           "{",
                                           "}",
                                           "plain text of some length.",
                                           "0123456789abcdefghij"};  // whole 8-byte words
  std::mt19937 rng(11);
  auto random_string = [&] {
    std::string out;
    for (int k = 0, n = static_cast<int>(rng() % 12); k < n; ++k)
      out += pieces[rng() % pieces.size()];
    return out;
  };
  for (int i = 0; i < 20000; ++i) {
    std::string subject = rng() % 4 ? std::string("t.x") : random_string();
    std::string frame = random_string();
    std::string l = R"({"op":"pub","subject":")";
    l.append(subject).append(R"(","frame":")").append(frame).append("\"}");
    if (rng() % 10 == 0) l += " ";
    if (rng() % 10 == 0) l.replace(l.find(",\"frame"), 1, " ,");
    fast.handle_line(2, l);
    slow.handle_line(2, l);
    ASSERT_EQ(fast_sink.take(1), slow_sink.take(1)) << l;
    ASSERT_EQ(fast_sink.take(2), slow_sink.take(2)) << l;
  }
  EXPECT_EQ(fast.stats().published, slow.stats().published);
  EXPECT_GT(fast.stats().published, 1000u);
}

}  // namespace
}  // namespace neuromesh::synapse::detail
