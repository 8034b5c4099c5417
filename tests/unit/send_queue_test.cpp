// A player's output ring (net/send_queue.h): order, partial writes, references released.
#include <boost/test/unit_test.hpp>

#include <string>

#include "net/send_queue.h"

using net::SendQueue;
using net::SharedBytes;

namespace {
util::Bytes bytes(const std::string& s) { return util::Bytes(s.begin(), s.end()); }

// What gather() hands to writev, as one string, up to `max` iovecs.
std::string gathered(const SendQueue& q, int max = 64) {
    iovec iov[64];
    const int n = q.gather(iov, max);
    std::string out;
    for (int i = 0; i < n; ++i) out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    return out;
}

// Holds one reference of its own, so that the test can see the queue's go.
struct Shared {
    explicit Shared(const std::string& s) : p(SharedBytes::make(bytes(s))) {}  // the creator's reference
    ~Shared() { p->release(); }
    SharedBytes* p;
};
}  // namespace

BOOST_AUTO_TEST_CASE(shared_and_copied_bytes_leave_in_order) {
    Shared a("AAAA"), b("BBBBBB");
    SendQueue q;
    q.append_copy(bytes("hello "));
    q.append_shared(*a.p);
    q.append_shared(*b.p, 2);  // from an offset: a player on its own stream id
    q.append_copy(bytes("!"));
    BOOST_CHECK_EQUAL(q.size(), 6u + 4 + 4 + 1);
    BOOST_CHECK_EQUAL(gathered(q), "hello AAAABBBB!");
    BOOST_CHECK_EQUAL(gathered(q, 2), "hello AAAA");  // at most `max` iovecs
}

BOOST_AUTO_TEST_CASE(partial_writes_resume_mid_segment) {
    Shared a("0123456789");
    SendQueue q;
    q.append_shared(*a.p);
    q.append_copy(bytes("xyz"));
    q.consume(4);
    BOOST_CHECK_EQUAL(gathered(q), "456789xyz");
    q.consume(7);
    BOOST_CHECK_EQUAL(gathered(q), "yz");
    BOOST_CHECK_EQUAL(q.size(), 2u);
    q.consume(2);
    BOOST_CHECK(q.empty());
    BOOST_CHECK_EQUAL(gathered(q), "");
}

BOOST_AUTO_TEST_CASE(references_are_released_when_sent_or_cleared) {
    const std::size_t before = SharedBytes::live_bytes();
    SharedBytes* a = SharedBytes::make(bytes("abcdef"));  // the creator's reference
    {
        SendQueue q;
        q.append_shared(*a);
        q.append_shared(*a);
        a->release();  // only the queue holds it now
        BOOST_CHECK_EQUAL(SharedBytes::live_bytes(), before + 6);
        q.consume(6);  // the first reference is sent
        BOOST_CHECK_EQUAL(SharedBytes::live_bytes(), before + 6);
        q.consume(3);  // half of the second
        BOOST_CHECK_EQUAL(SharedBytes::live_bytes(), before + 6);
        q.consume(3);
        BOOST_CHECK_EQUAL(SharedBytes::live_bytes(), before);
    }
    SharedBytes* b = SharedBytes::make(bytes("xy"));
    {
        SendQueue q;
        q.append_shared(*b);
        b->release();
    }  // the queue is destroyed unsent: it lets go too
    BOOST_CHECK_EQUAL(SharedBytes::live_bytes(), before);
}

BOOST_AUTO_TEST_CASE(small_copies_share_a_segment_but_never_one_partly_sent) {
    SendQueue q;
    for (int i = 0; i < 10; ++i) q.append_copy(bytes("ab"));
    iovec iov[4];
    BOOST_CHECK_EQUAL(q.gather(iov, 4), 1);  // ten replies, one iovec
    q.consume(1);
    q.append_copy(bytes("cd"));  // the partly sent segment does not move: a new one
    BOOST_CHECK_EQUAL(q.gather(iov, 4), 2);
    BOOST_CHECK_EQUAL(gathered(q), std::string("abababababababababab").substr(1) + "cd");
}

BOOST_AUTO_TEST_CASE(the_ring_grows_and_wraps_keeping_the_order) {
    const std::size_t before = SharedBytes::live_bytes();
    SendQueue q;
    std::vector<Shared*> held;
    std::string expect;
    // Wrap the ring several times with a queue that rises and falls, as a player that lags.
    int next = 0;
    for (int round = 0; round < 40; ++round) {
        for (int i = 0; i < 13; ++i, ++next) {
            const std::string s = std::to_string(next) + ",";
            held.push_back(new Shared(s));
            q.append_shared(*held.back()->p);
            expect += s;
        }
        const std::size_t take = round % 3 == 2 ? q.size() : q.size() / 2;
        std::string sent;
        iovec iov[64];
        std::size_t left = take;
        while (left > 0) {
            const int n = q.gather(iov, 64);
            BOOST_REQUIRE(n > 0);
            std::size_t chunk = 0;
            for (int i = 0; i < n && chunk < left; ++i) {
                const std::size_t use = std::min(left - chunk, iov[i].iov_len);
                sent.append(static_cast<const char*>(iov[i].iov_base), use);
                chunk += use;
            }
            q.consume(chunk);
            left -= chunk;
        }
        BOOST_REQUIRE_EQUAL(sent, expect.substr(0, take));
        expect.erase(0, take);
        BOOST_REQUIRE_EQUAL(q.size(), expect.size());
    }
    q.clear();
    BOOST_CHECK(q.empty());
    for (Shared* s : held) delete s;
    BOOST_CHECK_EQUAL(SharedBytes::live_bytes(), before);  // every reference the ring took it gave back
}
