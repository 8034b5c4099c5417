// Peer bytes in logs and JSON: util::escape_text / json_safe, and the logger built on them
// (a 0xFF command name once aborted rtmp-serve from the human log formatter).
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "net/log.h"
#include "util/text_escape.h"

using util::escape_text;
using util::json_safe;

namespace {

bool has_control_byte(const std::string& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7F) return true;
    return false;
}

// Runs `write` with stderr redirected to a temporary file and returns what it wrote.
template <class F>
std::string captured_stderr(F write) {
    std::fflush(stderr);
    FILE* tmp = std::tmpfile();
    BOOST_REQUIRE(tmp);
    const int saved = dup(2);
    dup2(fileno(tmp), 2);
    write();
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::string out;
    std::rewind(tmp);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, tmp)) > 0) out.append(buf, n);
    std::fclose(tmp);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(text_escape)

BOOST_AUTO_TEST_CASE(printable_ascii_and_utf8_are_kept) {
    BOOST_TEST(escape_text("live/stream-1?x=y") == "live/stream-1?x=y");
    BOOST_TEST(escape_text("caf\xC3\xA9 \xE2\x82\xAC") == "caf\xC3\xA9 \xE2\x82\xAC");
}

BOOST_AUTO_TEST_CASE(control_characters_are_escaped) {
    BOOST_TEST(escape_text("a\r\nb\tc") == "a\\r\\nb\\tc");
    BOOST_TEST(escape_text("\x1b[2J") == "\\x1b[2J");
    BOOST_TEST(escape_text(std::string("\0\x7f", 2)) == "\\x00\\x7f");
    BOOST_TEST(escape_text("\xC2\x9B" "31m") == "\\u009b31m");  // C1 CSI, obeyed by xterm
    BOOST_TEST(escape_text("a\\b") == "a\\\\b");                 // unambiguous: '\' doubled
    std::string all;
    for (int c = 0; c < 256; ++c) all += char(c);
    BOOST_TEST(!has_control_byte(escape_text(all, std::string::npos)));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_replaced) {
    BOOST_TEST(escape_text("\xFF") == "\\xff");
    BOOST_TEST(escape_text("a\xC3") == "a\\xc3");           // truncated sequence
    BOOST_TEST(escape_text("\xC0\xAF") == "\\xc0\\xaf");    // overlong '/'
    BOOST_TEST(escape_text("\xED\xA0\x80") == "\\xed\\xa0\\x80");  // surrogate
    BOOST_TEST(json_safe("\xFF" "a") == "\xEF\xBF\xBD" "a");
    // nlohmann's dump() throws type_error 316 on the original; never on json_safe's output.
    BOOST_CHECK_NO_THROW(nlohmann::json(json_safe("\xFF\xFE\xC3")).dump());
}

BOOST_AUTO_TEST_CASE(long_values_are_cut_with_a_marker) {
    const std::string big(16 << 20, 'x');
    const std::string shown = escape_text(big);
    BOOST_TEST(shown.size() < 300u);
    BOOST_TEST(shown.substr(0, 256) == std::string(256, 'x'));
    BOOST_TEST(shown.find("16776960 bytes cut") != std::string::npos);
    BOOST_TEST(json_safe(big).size() < 300u);
    BOOST_TEST(json_safe(big, std::string::npos).size() == big.size());
    // A cut never splits a character.
    std::string euros;
    for (int i = 0; i < 100; ++i) euros += "\xE2\x82\xAC";
    const std::string cut = json_safe(euros, 10);
    BOOST_TEST(cut.substr(0, 9) == euros.substr(0, 9));
    BOOST_TEST(cut.find("291 bytes cut") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(shorten_keeps_bytes_and_cuts_at_a_boundary) {
    BOOST_TEST(util::shorten("\xFF\x1b", 64) == "\xFF\x1b");  // escaping is the caller's
    BOOST_TEST(util::shorten(std::string(100, 'a'), 64) == std::string(64, 'a') + "...[36 bytes cut]");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(log_lines)

BOOST_AUTO_TEST_CASE(human_lines_never_throw_and_hold_no_control_byte) {
    net::Logger log;
    log.configure(net::LogLevel::Info, net::LogFormat::Human);
    std::string out;
    BOOST_CHECK_NO_THROW(out = captured_stderr([&] {
        log.warn("session closed", {{"reason", "command '\xFF' before connect"},
                                    {"name", "a\r\nfake line\x1b[31m"}});
    }));
    BOOST_TEST(out.find("reason=\"command '\\xff' before connect\"") != std::string::npos);
    BOOST_TEST(out.find("name=\"a\\r\\nfake line\\x1b[31m\"") != std::string::npos);
    BOOST_TEST(!has_control_byte(out.substr(0, out.size() - 1)));
    BOOST_TEST(out.back() == '\n');
}

BOOST_AUTO_TEST_CASE(json_lines_are_valid_json_and_capped) {
    net::Logger log;
    log.configure(net::LogLevel::Info, net::LogFormat::Json);
    const std::string out = captured_stderr([&] {
        log.warn("session closed", {{"reason", std::string(1 << 20, '\xFF')}, {"esc", "\x1b"}});
    });
    BOOST_TEST(out.size() < 2000u);
    auto j = nlohmann::json::parse(out);
    BOOST_TEST(j["esc"].get<std::string>() == "\x1b");  // escaped by JSON as \u001b
    BOOST_TEST(out.find('\x1b') == std::string::npos);
    BOOST_TEST(j["reason"].get<std::string>().find("bytes cut") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
