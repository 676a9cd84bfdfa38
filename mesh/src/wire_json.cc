#include "neuromesh/mesh/wire_json.h"

#include "neuromesh/mesh/token.h"
#include "neuromesh/mesh/wire.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <functional>
#include <initializer_list>

namespace neuromesh::mesh {
namespace {

namespace json = boost::json;

// Field access with errors that name the kind and the field.
class reader {
 public:
  reader(std::string_view kind, const json::object& o) : kind_(kind), o_(o) {}

  error bad(std::string_view field, std::string_view why) const {
    return fail(errc::bad_field, fmt::format("{}: {}: {}", kind_, field, why));
  }

  // Unknown keys are refused so a typo is not silently encoded as zero.
  result<void> only(std::initializer_list<std::string_view> keys) const {
    for (auto& kv : o_) {
      bool known = false;
      for (auto k : keys) known |= kv.key() == k;
      if (!known) return bad(kv.key(), "unknown field");
    }
    return {};
  }

  // An unsigned integer of `bits` bits: a JSON number, or a string "0x..." / decimal.
  result<std::uint64_t> uint(std::string_view key, unsigned bits, bool required) const {
    auto* v = o_.if_contains(key);
    if (!v) {
      if (required) return bad(key, "missing");
      return std::uint64_t{0};
    }
    std::uint64_t x = 0;
    if (v->is_uint64()) {
      x = v->get_uint64();
    } else if (v->is_int64()) {
      if (v->get_int64() < 0) return bad(key, "must not be negative");
      x = static_cast<std::uint64_t>(v->get_int64());
    } else if (v->is_string()) {
      std::string_view s = v->get_string();
      int base = 10;
      if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2), base = 16;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x, base);
      if (s.empty() || ec != std::errc{} || p != s.data() + s.size())
        return bad(key, fmt::format("expected an unsigned integer or \"0x\" hex, got \"{}\"",
                                    std::string_view(v->get_string())));
    } else {
      return bad(key,
                 fmt::format("expected a number or \"0x\" string, got {}", json::serialize(*v)));
    }
    if (bits < 64 && x >> bits) return bad(key, fmt::format("{} does not fit in {} bits", x, bits));
    return x;
  }

  result<bytes> hex(std::string_view key, std::size_t size) const {
    auto* v = o_.if_contains(key);
    if (!v) return bad(key, "missing");
    if (!v->is_string()) return bad(key, "expected a hex string");
    auto b = from_hex(v->get_string());
    if (!b) return bad(key, "not hex");
    if (b->size() != size)
      return bad(key, fmt::format("expected {} bytes, got {}", size, b->size()));
    return std::move(*b);
  }

  // Flag names joined by '|' ("NONE" for none), or a number.
  result<std::uint64_t> flags(std::string_view key,
                              std::initializer_list<const char*> names) const {
    auto* v = o_.if_contains(key);
    if (!v) return std::uint64_t{0};
    if (!v->is_string()) return uint(key, 8, false);
    std::string_view text = v->get_string();
    std::uint64_t bits = 0;
    while (!text.empty()) {
      auto bar = text.find('|');
      auto part = text.substr(0, bar);
      text = bar == std::string_view::npos ? std::string_view{} : text.substr(bar + 1);
      if (part == "NONE") continue;
      unsigned bit = 0;
      bool found = false;
      for (auto* n : names) {
        if (part == n) bits |= 1u << bit, found = true;
        ++bit;
      }
      if (found) continue;
      std::uint64_t x = 0;
      if (part.starts_with("0x")) {
        auto s = part.substr(2);
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x, 16);
        if (!s.empty() && ec == std::errc{} && p == s.data() + s.size() && x <= 0xff) {
          bits |= x;
          continue;
        }
      }
      return bad(key, fmt::format("unknown flag \"{}\"", part));
    }
    return bits;
  }

 private:
  std::string_view kind_;
  const json::object& o_;
};

#define NM_TRY(var, expr)               \
  auto var##_r = (expr);                \
  if (!var##_r) return var##_r.error(); \
  auto var = *var##_r

std::string id_hex(std::uint64_t v, int width) { return fmt::format("0x{:0{}x}", v, width); }

result<bytes> encode_net_header(const reader& r) {
  if (auto ok =
          r.only({"session_id", "stream_id", "sequence", "nonce_hex", "payload_len", "event_count",
                  "flags", "priority", "hop_ttl", "hop_count", "frag_flags", "subprotocol_id",
                  "channel_hash", "origin_hash", "subnet_id", "fragment_id", "fragment_offset"});
      !ok)
    return ok.error();
  net_header h;
  NM_TRY(session, r.uint("session_id", 64, true));
  NM_TRY(stream, r.uint("stream_id", 64, true));
  NM_TRY(seq, r.uint("sequence", 64, true));
  NM_TRY(nonce, r.hex("nonce_hex", nonce_size));
  NM_TRY(plen, r.uint("payload_len", 16, true));
  NM_TRY(count, r.uint("event_count", 16, true));
  NM_TRY(flags,
         r.flags("flags", {"RELIABLE", "NACK", "PRIORITY", "FIN", "HANDSHAKE", "HEARTBEAT"}));
  NM_TRY(prio, r.uint("priority", 8, false));
  NM_TRY(ttl, r.uint("hop_ttl", 8, false));
  NM_TRY(hops, r.uint("hop_count", 8, false));
  NM_TRY(frag_flags, r.uint("frag_flags", 8, false));
  NM_TRY(sub, r.uint("subprotocol_id", 16, false));
  NM_TRY(chan, r.uint("channel_hash", 16, false));
  NM_TRY(origin, r.uint("origin_hash", 64, false));
  NM_TRY(subnet, r.uint("subnet_id", 32, false));
  NM_TRY(frag_id, r.uint("fragment_id", 16, false));
  NM_TRY(frag_off, r.uint("fragment_offset", 16, false));
  h.session_id = session;
  h.stream_id = stream;
  h.sequence = seq;
  std::memcpy(h.nonce.data(), nonce.data(), nonce_size);
  h.payload_len = static_cast<std::uint16_t>(plen);
  h.event_count = static_cast<std::uint16_t>(count);
  h.flags = static_cast<std::uint8_t>(flags);
  h.priority = static_cast<std::uint8_t>(prio);
  h.hop_ttl = static_cast<std::uint8_t>(ttl);
  h.hop_count = static_cast<std::uint8_t>(hops);
  h.frag_flags = static_cast<std::uint8_t>(frag_flags);
  h.subprotocol_id = static_cast<std::uint16_t>(sub);
  h.channel_hash = static_cast<std::uint16_t>(chan);
  h.origin_hash = origin;
  h.subnet_id = static_cast<std::uint32_t>(subnet);
  h.fragment_id = static_cast<std::uint16_t>(frag_id);
  h.fragment_offset = static_cast<std::uint16_t>(frag_off);
  auto b = h.encode();
  return bytes(b.begin(), b.end());
}

json::object decode_net_header(const net_header& h) {
  json::object o;
  o["session_id"] = id_hex(h.session_id, 16);
  o["stream_id"] = id_hex(h.stream_id, 16);
  o["sequence"] = h.sequence;
  o["nonce_hex"] = to_hex(h.nonce);
  o["payload_len"] = h.payload_len;
  o["event_count"] = h.event_count;
  o["flags"] = packet_flags_name(h.flags);
  auto opt = [&](const char* k, std::uint64_t v) {
    if (v) o[k] = v;
  };
  auto opt_hex = [&](const char* k, std::uint64_t v, int w) {
    if (v) o[k] = id_hex(v, w);
  };
  opt("priority", h.priority);
  opt("hop_ttl", h.hop_ttl);
  opt("hop_count", h.hop_count);
  opt("frag_flags", h.frag_flags);
  opt_hex("subprotocol_id", h.subprotocol_id, 4);
  opt_hex("channel_hash", h.channel_hash, 4);
  opt_hex("origin_hash", h.origin_hash, 16);
  opt_hex("subnet_id", h.subnet_id, 8);
  opt("fragment_id", h.fragment_id);
  opt("fragment_offset", h.fragment_offset);
  return o;
}

result<bytes> encode_routing_header(const reader& r) {
  if (auto ok = r.only({"dest_id", "src_id", "ttl", "hop_count", "flags", "reserved"}); !ok)
    return ok.error();
  NM_TRY(dest, r.uint("dest_id", 64, true));
  NM_TRY(src, r.uint("src_id", 32, true));
  NM_TRY(ttl, r.uint("ttl", 8, true));
  NM_TRY(hops, r.uint("hop_count", 8, false));
  NM_TRY(flags, r.flags("flags", {"CONTROL", "REQUIRES_ACK", "PRIORITY", "END_OF_STREAM"}));
  NM_TRY(reserved, r.uint("reserved", 8, false));
  if (flags & 0xF0) return r.bad("flags", "the high nibble is reserved");
  routing_header h{dest,
                   static_cast<std::uint32_t>(src),
                   static_cast<std::uint8_t>(ttl),
                   static_cast<std::uint8_t>(hops),
                   static_cast<std::uint8_t>(flags),
                   static_cast<std::uint8_t>(reserved)};
  auto b = h.encode();
  return bytes(b.begin(), b.end());
}

json::object decode_routing_header(const routing_header& h) {
  json::object o;
  o["dest_id"] = id_hex(h.dest_id, 16);
  o["src_id"] = id_hex(h.src_id, 8);
  o["ttl"] = h.ttl;
  o["hop_count"] = h.hop_count;
  o["flags"] = route_flags_name(h.flags);
  if (h.reserved) o["reserved"] = h.reserved;
  return o;
}

bool valid_utf8(byte_view b) {
  std::size_t i = 0;
  while (i < b.size()) {
    std::uint8_t c = b[i];
    std::size_t n = 0;
    if (c < 0x80) {
      n = 0;
    } else if ((c >> 5) == 6) {
      n = 1;
    } else if ((c >> 4) == 14) {
      n = 2;
    } else if ((c >> 3) == 30) {
      n = 3;
    } else {
      return false;
    }
    if (b.size() - i - 1 < n) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((b[i + k] >> 6) != 2) return false;
    // Overlong forms, surrogates and code points past U+10FFFF.
    if (n == 1 && c < 0xC2) return false;
    if (n == 2 && ((c == 0xE0 && b[i + 1] < 0xA0) || (c == 0xED && b[i + 1] >= 0xA0))) return false;
    if (n == 3 && ((c == 0xF0 && b[i + 1] < 0x90) || c > 0xF4 || (c == 0xF4 && b[i + 1] >= 0x90)))
      return false;
    i += n + 1;
  }
  return true;
}

result<bytes> encode_event_frame(std::string_view kind, const json::object& o) {
  reader r(kind, o);
  if (auto ok = r.only({"events_utf8", "events_hex"}); !ok) return ok.error();
  bytes out;
  bool utf8 = o.contains("events_utf8");
  auto* v = o.if_contains(utf8 ? "events_utf8" : "events_hex");
  if (!v) return r.bad("events_utf8", "missing");
  if (!v->is_array()) return r.bad(utf8 ? "events_utf8" : "events_hex", "expected an array");
  std::size_t i = 0;
  for (auto& e : v->get_array()) {
    auto field = fmt::format("{}[{}]", utf8 ? "events_utf8" : "events_hex", i++);
    if (!e.is_string()) return r.bad(field, "expected a string");
    std::string_view s = e.get_string();
    if (utf8) {
      append_event(out, as_bytes(s));
    } else {
      auto b = from_hex(s);
      if (!b) return r.bad(field, "not hex");
      append_event(out, *b);
    }
  }
  return out;
}

json::object decode_event_frame(const std::vector<byte_view>& events) {
  bool utf8 = true;
  for (auto e : events) utf8 = utf8 && valid_utf8(e);
  json::array a;
  for (auto e : events)
    a.emplace_back(utf8 ? json::string(reinterpret_cast<const char*>(e.data()), e.size())
                        : json::string(to_hex(e)));
  json::object o;
  o[utf8 ? "events_utf8" : "events_hex"] = std::move(a);
  return o;
}

result<bytes> encode_stream_window(const reader& r) {
  if (auto ok = r.only({"stream_id", "total_consumed", "ack_seq"}); !ok) return ok.error();
  NM_TRY(stream, r.uint("stream_id", 64, true));
  NM_TRY(consumed, r.uint("total_consumed", 64, true));
  NM_TRY(ack, r.uint("ack_seq", 64, true));
  auto b = stream_window{stream, consumed, ack}.encode();
  return bytes(b.begin(), b.end());
}

json::object decode_stream_window(const stream_window& w) {
  json::object o;
  o["stream_id"] = id_hex(w.stream_id, 16);
  o["total_consumed"] = w.total_consumed;
  o["ack_seq"] = w.ack_seq;
  return o;
}

result<bytes> encode_token(const reader& r, const json::object& o) {
  if (auto ok = r.only({"issuer", "subject", "scope", "channel_hash", "issuer_generation",
                        "not_before", "not_after", "delegation_depth", "nonce", "signature"});
      !ok)
    return ok.error();
  NM_TRY(issuer, r.hex("issuer", 32));
  NM_TRY(subject, r.hex("subject", 32));
  NM_TRY(chan, r.uint("channel_hash", 64, true));
  NM_TRY(gen, r.uint("issuer_generation", 32, false));
  NM_TRY(nb, r.uint("not_before", 64, true));
  NM_TRY(na, r.uint("not_after", 64, true));
  NM_TRY(depth, r.uint("delegation_depth", 8, true));
  NM_TRY(nonce, r.uint("nonce", 64, true));
  NM_TRY(sig, r.hex("signature", 64));
  std::uint32_t scope = 0;
  auto* sv = o.if_contains("scope");
  if (!sv) return r.bad("scope", "missing");
  if (sv->is_string()) {
    auto s = parse_scope(sv->get_string());
    if (!s)
      return r.bad("scope",
                   fmt::format("unknown scope \"{}\"", std::string_view(sv->get_string())));
    scope = *s;
  } else {
    NM_TRY(n, r.uint("scope", 32, true));
    scope = static_cast<std::uint32_t>(n);
  }
  permission_token t;
  std::memcpy(t.issuer.data(), issuer.data(), 32);
  std::memcpy(t.subject.data(), subject.data(), 32);
  t.scope = scope;
  t.channel_hash = chan;
  t.issuer_generation = static_cast<std::uint32_t>(gen);
  t.not_before = nb;
  t.not_after = na;
  t.delegation_depth = static_cast<std::uint8_t>(depth);
  t.nonce = nonce;
  std::memcpy(t.sig.data(), sig.data(), 64);
  auto b = t.encode();
  return bytes(b.begin(), b.end());
}

json::object decode_token(const permission_token& t) {
  json::object o;
  o["issuer"] = to_hex(t.issuer);
  o["subject"] = to_hex(t.subject);
  o["scope"] = scope_name(t.scope);
  o["channel_hash"] = id_hex(t.channel_hash, 16);
  o["issuer_generation"] = t.issuer_generation;
  o["not_before"] = t.not_before;
  o["not_after"] = t.not_after;
  o["delegation_depth"] = t.delegation_depth;
  o["nonce"] = id_hex(t.nonce, 16);
  o["signature"] = to_hex(t.sig);
  return o;
}

}  // namespace

result<bytes> wire_encode(std::string_view kind, std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return fail(errc::bad_field, fmt::format("{}: JSON: {}", kind, ec.message()));
  if (!v.is_object()) return fail(errc::bad_field, fmt::format("{}: expected a JSON object", kind));
  const auto& o = v.get_object();
  reader r(kind, o);
  if (kind == "net_header") return encode_net_header(r);
  if (kind == "routing_header") return encode_routing_header(r);
  if (kind == "event_frame") return encode_event_frame(kind, o);
  if (kind == "stream_window") return encode_stream_window(r);
  if (kind == "token") return encode_token(r, o);
  return fail(errc::bad_field, fmt::format("unknown kind \"{}\" (net_header, routing_header, "
                                           "event_frame, stream_window, token)",
                                           kind));
}

result<std::string> wire_decode(std::string_view kind, byte_view b) {
  auto finish = [&](auto&& r, auto&& to_json) -> result<std::string> {
    if (!r) return r.error();
    return json::serialize(to_json(*r));
  };
  auto trailing = [&](std::size_t size) {
    return fail(errc::bad_length,
                fmt::format("{}: {} bytes after the {}-byte layout", kind, b.size() - size, size));
  };
  if (kind == "net_header") {
    if (b.size() > header_size) return trailing(header_size);
    return finish(net_header::decode(b), decode_net_header);
  }
  if (kind == "routing_header") {
    if (b.size() > routing_header_size) return trailing(routing_header_size);
    return finish(routing_header::decode(b), decode_routing_header);
  }
  if (kind == "event_frame") return finish(read_all_events(b), decode_event_frame);
  if (kind == "stream_window") return finish(stream_window::decode(b), decode_stream_window);
  if (kind == "token") return finish(permission_token::decode(b), decode_token);
  return fail(errc::bad_field, fmt::format("unknown kind \"{}\" (net_header, routing_header, "
                                           "event_frame, stream_window, token)",
                                           kind));
}

}  // namespace neuromesh::mesh
