#include "neuromesh/synapse/synapse_from_url.h"

#include "neuromesh/synapse/errc.h"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace neuromesh::synapse {
namespace {

TEST(synapse_from_url, picks_the_transport_by_case_insensitive_scheme) {
  boost::asio::io_context ctx;
  auto a = synapse_from_url("CoSmO://127.0.0.1:7171", ctx.get_executor());
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)->url(), "cosmo://127.0.0.1:7171");
  auto b = synapse_from_url("NATS://127.0.0.1:4222", ctx.get_executor());
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)->url(), "NATS://127.0.0.1:4222");  // libnats gets the URL as given
}

TEST(synapse_from_url, kafka_is_not_supported_in_this_build) {
  boost::asio::io_context ctx;
  auto r = synapse_from_url("kafka://localhost:9092", ctx.get_executor());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::unsupported_scheme));
  EXPECT_NE(r.error().message.find("not supported in this build"), std::string::npos);
}

TEST(synapse_from_url, other_schemes_and_bad_ports_are_clear_errors) {
  boost::asio::io_context ctx;
  auto r = synapse_from_url("redis://x", ctx.get_executor());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::bad_url));
  EXPECT_NE(r.error().message.find("unknown scheme 'redis'"), std::string::npos);
  EXPECT_FALSE(synapse_from_url("localhost:7070", ctx.get_executor()));
  EXPECT_FALSE(synapse_from_url("cosmo://h:99999", ctx.get_executor()));
  EXPECT_THROW((void)synapse_from_url("x://", ctx.get_executor()).value(), std::invalid_argument);
}

}  // namespace
}  // namespace neuromesh::synapse
