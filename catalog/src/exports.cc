// GET /export/superputty and /export/mobaxterm: SSH session files for the live hosts.
// Unlike the reference (§13 bug H) the MobaXterm file cannot be broken by a host or user
// containing '#', '%', '=' or a newline: those characters are dropped.
#include "errors.h"
#include "routes.h"

#include <set>

namespace neuromesh::catalog::detail {
namespace {

std::vector<std::string> distinct_live_hosts(route_env& env) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& h : *env.table.hosts(true, env.now)) {
    if (seen.insert(h.host).second) out.push_back(h.host);
  }
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') out.push_back(c);
    }
  }
  return out;
}

std::string moba_safe(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '#' || c == '%' || c == '=' || c == '[' || c == ']' ||
        static_cast<unsigned char>(c) < 0x20) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

response attachment(std::string body, std::string content_type, std::string_view filename) {
  auto r = json_response(200, std::move(body));
  r.content_type = std::move(content_type);
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + std::string(filename) + "\"");
  return r;
}

}  // namespace

response export_superputty(route_env& env, const parsed_target& t) {
  auto user = xml_escape(t.param("user").value_or(""));
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<ArrayOfSessionData xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n";
  for (const auto& host : distinct_live_hosts(env)) {
    auto h = xml_escape(host);
    xml += "  <SessionData SessionId=\"runspec/" + h + "\" SessionName=\"" + h +
           "\" ImageKey=\"computer\" Host=\"" + h +
           "\" Port=\"22\" Proto=\"SSH\" PuttySession=\"Default Settings\" Username=\"" + user +
           "\" ExtraArgs=\"\" SPSLFileName=\"\" RemotePath=\"\" LocalPath=\"\" />\n";
  }
  xml += "</ArrayOfSessionData>\n";
  return attachment(std::move(xml), "application/xml", "runspec-sessions.xml");
}

response export_mobaxterm(route_env& env, const parsed_target& t) {
  auto user = moba_safe(t.param("user").value_or(""));
  std::string text = "[Bookmarks]\nSubRep=runspec\nImgNum=41\n";
  for (const auto& host : distinct_live_hosts(env)) {
    auto h = moba_safe(host);
    text += h + "=#109#0%" + h + "%22%" + user +
            "%%-1%-1%%%%%0%0%0%%%-1%0%0%0%%1080%%0%0%1#MobaFont%10%0%0%-1%15%236,236,236%"
            "30,30,30%180,180,192%0%-1%0%%xterm%-1%-1%_Std_Colors_0_%80%24%0%1%-1%<none>%%0%0%-1"
            "#0# #-1\n";
  }
  return attachment(std::move(text), "text/plain; charset=utf-8", "runspec.mxtsessions");
}

}  // namespace neuromesh::catalog::detail
