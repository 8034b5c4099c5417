// The registry key of a live stream and the validation of a backend's overwritten stream name.
#include <boost/test/unit_test.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "server/stream_key.h"

using server::StreamKey;

BOOST_AUTO_TEST_SUITE(stream_key)

BOOST_AUTO_TEST_CASE(app_and_name_never_collide_through_a_slash) {
    const StreamKey a{"a", "b/c"}, b{"a/b", "c"};
    BOOST_TEST(a.text() == b.text());  // they print alike ...
    BOOST_TEST(!(a == b));             // ... but are different streams
    std::map<StreamKey, int> ordered{{a, 1}, {b, 2}};
    BOOST_TEST(ordered.size() == 2u);
    BOOST_TEST(ordered.at(a) == 1);
    std::unordered_set<StreamKey, server::StreamKeyHash> hashed{a, b, StreamKey{"a", "b/c"}};
    BOOST_TEST(hashed.size() == 2u);
}

BOOST_AUTO_TEST_CASE(overwritten_name_is_checked) {
    using nlohmann::json;
    const std::vector<std::string> none;
    std::string name = "client", why;
    BOOST_TEST(server::apply_overwritten_name(json::object(), none, name, why));
    BOOST_TEST(name == "client");
    BOOST_TEST(server::apply_overwritten_name(json{{"name", "internal_7"}}, none, name, why));
    BOOST_TEST(name == "internal_7");
    for (const json& bad : {json{{"name", 42}}, json{{"name", nullptr}}, json{{"name", ""}},
                            json{{"name", "a/b"}}, json{{"name", "x\x1b[2J"}},
                            json{{"name", "x\r\ny"}}, json{{"name", std::string(257, 'n')}}}) {
        name = "client";
        why.clear();
        BOOST_TEST(!server::apply_overwritten_name(bad, none, name, why), bad.dump());
        BOOST_TEST(name == "client");
        BOOST_TEST(!why.empty());
    }
    BOOST_TEST(server::apply_overwritten_name(json{{"name", std::string(256, 'n')}}, none, name, why));
    // hook::apply_overwrite keeps a name of another JSON type out of `fields`: still a refusal.
    name = "client";
    BOOST_TEST(!server::apply_overwritten_name(json::object(), {"name"}, name, why));
    BOOST_TEST(why == "overwritten name is not a string");
    BOOST_TEST(name == "client");
}

BOOST_AUTO_TEST_SUITE_END()
