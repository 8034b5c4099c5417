// Sans-IO admission parts: the token bucket, per-address keys (IPv6 per /64), per-address counts
// and rates, the max_memory decisions and the private/shared output ledger.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <boost/test/unit_test.hpp>
#include <cstring>

#include "server/admission.h"
#include "server/memory_budget.h"
#include "server/output_ledger.h"
#include "server/rate_limit.h"

using namespace server;

namespace {
std::string key_of(const char* text) {
    sockaddr_storage ss{};
    if (std::strchr(text, ':')) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        inet_pton(AF_INET6, text, &a->sin6_addr);
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        inet_pton(AF_INET, text, &a->sin_addr);
    }
    return admission_key(reinterpret_cast<sockaddr*>(&ss));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(admission)

BOOST_AUTO_TEST_CASE(token_bucket_allows_the_burst_then_the_rate) {
    TokenBucket b(10, 5);
    int taken = 0;
    for (int i = 0; i < 20; ++i) taken += b.take(1000);
    BOOST_TEST(taken == 5);  // the burst, at one instant
    BOOST_TEST(!b.take(1050));  // half a token refilled
    BOOST_TEST(b.take(1100));   // one token per 100 ms
    BOOST_TEST(!b.take(1100));
    taken = 0;
    for (long long t = 1100; t <= 3100; t += 10) taken += b.take(t);
    BOOST_TEST(taken >= 19);
    BOOST_TEST(taken <= 21);  // 2 s at 10/s
    BOOST_TEST(!b.full(3100));
    BOOST_TEST(b.full(10000));
}

BOOST_AUTO_TEST_CASE(token_bucket_rate_zero_is_no_limit) {
    TokenBucket b(0, 0);
    for (int i = 0; i < 100000; ++i) BOOST_REQUIRE(b.take(0));
    BOOST_TEST(!b.limited());
}

BOOST_AUTO_TEST_CASE(keys_count_ipv4_per_address_and_ipv6_per_64) {
    BOOST_TEST(key_of("192.0.2.7") == "192.0.2.7");
    BOOST_TEST(key_of("192.0.2.7") != key_of("192.0.2.8"));
    BOOST_TEST(key_of("2001:db8:1:2::1") == "2001:db8:1:2::/64");
    BOOST_TEST(key_of("2001:db8:1:2:ffff:eeee:dddd:cccc") == key_of("2001:db8:1:2::1"));
    BOOST_TEST(key_of("2001:db8:1:3::1") != key_of("2001:db8:1:2::1"));
    BOOST_TEST(key_of("::ffff:192.0.2.7") == "192.0.2.7");  // IPv4-mapped: the IPv4 address
    sockaddr unix_like{};
    unix_like.sa_family = AF_UNIX;
    BOOST_TEST(admission_key(&unix_like) == "");
}

BOOST_AUTO_TEST_CASE(connections_per_key_are_capped_and_released) {
    Admission a(AdmissionLimits{3, 0, 0});
    for (int i = 0; i < 3; ++i) BOOST_TEST((a.admit("k", 0) == Admission::Verdict::Admit));
    BOOST_TEST((a.admit("k", 0) == Admission::Verdict::TooMany));
    BOOST_TEST((a.admit("other", 0) == Admission::Verdict::Admit));  // per key, not global
    a.release("k", 0);
    BOOST_TEST(a.connections("k") == 2);
    BOOST_TEST((a.admit("k", 0) == Admission::Verdict::Admit));
    for (int i = 0; i < 3; ++i) a.release("k", 0);
    a.release("other", 0);
    BOOST_TEST(a.tracked() == 0u);  // nothing left behind
}

BOOST_AUTO_TEST_CASE(new_connections_per_key_are_rate_limited) {
    Admission a(AdmissionLimits{0, 5, 5});
    int admitted = 0;
    for (int i = 0; i < 50; ++i) admitted += a.admit("k", 1000) == Admission::Verdict::Admit;
    BOOST_TEST(admitted == 5);
    BOOST_TEST((a.admit("k", 1000) == Admission::Verdict::TooFast));
    BOOST_TEST((a.admit("k2", 1000) == Admission::Verdict::Admit));
    BOOST_TEST((a.admit("k", 1200) == Admission::Verdict::Admit));  // 5/s: one per 200 ms
    // A refused connection is not counted as connected.
    BOOST_TEST(a.connections("k") == 6);
}

BOOST_AUTO_TEST_CASE(a_sweep_of_addresses_leaves_no_state) {
    Admission a(AdmissionLimits{10, 10, 10});
    for (int i = 0; i < 5000; ++i) {
        const std::string k = "k" + std::to_string(i);
        BOOST_REQUIRE((a.admit(k, i) == Admission::Verdict::Admit));
        a.release(k, i);
    }
    // Each key's bucket needs 100 ms to refill; the periodic prune forgets refilled ones.
    BOOST_TEST(a.tracked() < 1100u);
}

BOOST_AUTO_TEST_CASE(budget_refuses_from_three_quarters) {
    MemoryBudget b(1000, 10);
    BOOST_TEST(b.update(100, {{1, 600}}).empty());
    BOOST_TEST(b.admit_new());  // 700 < 750
    BOOST_TEST(b.update(100, {{1, 660}}).empty());
    BOOST_TEST(!b.admit_new());  // 760, nobody closed: under the budget itself
    BOOST_TEST(b.total() == 760u);
}

BOOST_AUTO_TEST_CASE(budget_closes_the_largest_private_holders_until_under_it) {
    MemoryBudget b(1000, 10);
    auto close = b.update(200, {{1, 100}, {2, 500}, {3, 300}, {4, 50}});  // 1150
    BOOST_REQUIRE(close.size() == 1u);
    BOOST_TEST(close[0] == 2u);  // 650 left
    close = b.update(0, {{1, 900}, {2, 900}, {3, 900}, {4, 5}});  // 2705: two must go
    BOOST_REQUIRE(close.size() == 2u);
    BOOST_TEST(b.total() == 905u);
}

BOOST_AUTO_TEST_CASE(budget_never_closes_small_sessions_for_shared_bytes) {
    MemoryBudget b(1000, 64);
    auto close = b.update(2000, {{1, 10}, {2, 20}});
    BOOST_TEST(close.empty());  // closing them would not give the shared bytes back
    BOOST_TEST(!b.admit_new());
}

BOOST_AUTO_TEST_CASE(budget_zero_is_no_budget) {
    MemoryBudget b(0);
    BOOST_TEST(b.update(1u << 30, {{1, 1u << 30}}).empty());
    BOOST_TEST(b.admit_new());
}

BOOST_AUTO_TEST_CASE(ledger_counts_unsent_private_bytes_only) {
    OutputLedger l;
    l.appended(100, false);  // replies
    l.appended(1000, true);  // shared media
    l.appended(1000, true);
    l.appended(50, false);
    BOOST_TEST(l.private_bytes() == 150u);
    l.sent(60);
    BOOST_TEST(l.private_bytes() == 90u);
    l.sent(1040);  // the rest of the first reply and half the shared run
    BOOST_TEST(l.private_bytes() == 50u);
    l.sent(1000);
    BOOST_TEST(l.private_bytes() == 50u);
    l.sent(50);
    BOOST_TEST(l.private_bytes() == 0u);
    l.sent(10);  // more than recorded: harmless
    BOOST_TEST(l.private_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(ledger_follows_runs_that_alternate_and_drain_to_empty) {
    OutputLedger l;
    std::size_t unsent_private = 0;
    // A player: media, a reply, media, a reply..., sent in pieces that cut across the runs.
    for (int i = 0; i < 50; ++i) {
        l.appended(700, true);
        l.appended(30 + std::size_t(i), false);
        unsent_private += 30 + std::size_t(i);
    }
    BOOST_TEST(l.private_bytes() == unsent_private);
    l.sent(700 + 30 + 700);  // the first media, reply and media
    BOOST_TEST(l.private_bytes() == unsent_private - 30);
    std::size_t left = 50 * 700 + unsent_private - (700 + 30 + 700);
    while (left > 0) {
        const std::size_t n = std::min<std::size_t>(left, 333);
        l.sent(n);
        left -= n;
    }
    BOOST_TEST(l.private_bytes() == 0u);
    l.appended(5, false);  // empty again: a new run starts clean
    BOOST_TEST(l.private_bytes() == 5u);
    l.appended(100, true);
    l.sent(5);
    BOOST_TEST(l.private_bytes() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
