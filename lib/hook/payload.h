// JSON bodies of the REST hooks rtmp-serve sends (field names as the WCS documentation shows them),
// and the rules for taking fields back from a backend's answer. Pure code: no I/O, no clock, no RNG.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hook {

using json = nlohmann::json;

// Connection or stream parameters in the order the client sent them (`?a=1&b=2`).
// In the JSON `custom` object a repeated key keeps its last value.
using Params = std::vector<std::pair<std::string, std::string>>;

// Hook method names, as appended to the hook URL: `<url>/<method>`.
namespace method {
inline constexpr const char* kConnect = "connect";
inline constexpr const char* kPublishStream = "publishStream";
inline constexpr const char* kPlayStream = "playStream";
inline constexpr const char* kConnectionStatusEvent = "ConnectionStatusEvent";
inline constexpr const char* kStreamStatusEvent = "StreamStatusEvent";
inline constexpr const char* kUnPublishStream = "unPublishStream";
inline constexpr const char* kStopStream = "stopStream";
inline constexpr const char* kRecordingStatusEvent = "RecordingStatusEvent";
}  // namespace method

inline constexpr const char* kAppKey = "flashStreamingApp";
inline constexpr const char* kMediaProvider = "Flash";

// "/<remote_ip>:<remote_port>/<local_ip>:<local_port>"; an IPv6 address is put in brackets.
std::string format_session_id(std::string_view remote_ip, std::uint16_t remote_port,
                              std::string_view local_ip, std::uint16_t local_port);

// playStream's mediaSessionId: "<name>/<session_id without its leading slash>".
std::string play_media_session_id(std::string_view name, std::string_view session_id);

// publishStream's mediaSessionId: a version 4 UUID ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx",
// lower case) made from 16 random bytes the caller supplies.
std::string uuid_v4(const std::array<std::uint8_t, 16>& random_bytes);

// What `connect` and `ConnectionStatusEvent` carry.
struct ConnectInfo {
    std::string node_id;
    std::string app_key = kAppKey;
    std::string session_id;  // format_session_id(...)
    Params custom;           // connection parameters (from the tcUrl / app query)
    std::string login;
};

// What the server has learned about a stream by the time of a status event. Unset fields are
// left out of the JSON.
struct MediaFacts {
    std::optional<std::string> video_codec;  // "H264"
    std::optional<std::string> audio_codec;  // "AAC", "PCMA", "PCMU", "SPEEX", ...
    std::optional<double> frame_rate;        // frames per second
    std::optional<int> video_bitrate;        // kbit/s
    std::optional<int> audio_bitrate;        // kbit/s
    std::optional<int> audio_sample_rate;    // Hz
    std::optional<int> audio_channels;
};

// What publishStream, playStream, StreamStatusEvent, unPublishStream and stopStream carry.
struct StreamInfo {
    std::string node_id;
    std::string app_key = kAppKey;
    std::string session_id;
    std::string media_session_id;  // uuid_v4(...) when publishing, play_media_session_id(...)
    std::string name;              // stream name without its query
    bool published = false;        // true for a publisher, false for a player
    bool has_video = true;
    bool has_audio = true;
    std::string status = "NEW";  // NEW, PUBLISHING, PLAYING, UNPUBLISHED, STOPPED, FAILED
    std::string info;            // why, for status events; left out of the JSON when empty
    bool record = false;
    int width = 0;
    int height = 0;
    int bitrate = 0;  // kbit/s
    int min_bitrate = 0;
    int max_bitrate = 0;
    int quality = 0;
    std::string media_provider = kMediaProvider;
    Params custom;  // stream parameters (from the stream name's query)
    MediaFacts facts;
};

// The `custom` object: {"key": "value", ...}.
json params_object(const Params& params);

// connect: nodeId, appKey, sessionId, useWsTunnel, useWsTunnelPacketization2,
// useBase64BinaryEncoding, keepAlive (all false), custom, login.
json connect_payload(const ConnectInfo& info);

// ConnectionStatusEvent: the connect fields plus `status` (ESTABLISHED, DISCONNECTED, FAILED)
// and `info` (why) when it is not empty.
json connection_status_payload(const ConnectInfo& info, std::string_view status,
                               std::string_view why = {});

// publishStream / playStream / StreamStatusEvent / unPublishStream / stopStream: nodeId, appKey,
// sessionId, mediaSessionId, name, published, hasVideo, hasAudio, status, record, width, height,
// bitrate, minBitrate, maxBitrate, quality, mediaProvider, custom; plus `info` and the MediaFacts
// (videoCodec, audioCodec, frameRate, videoBitrate, audioBitrate, audioSampleRate,
// audioChannels) that are set.
json stream_payload(const StreamInfo& info);

// A recording file's end, for RecordingStatusEvent.
struct RecordingStatus {
    std::string node_id;
    std::string app_key = kAppKey;
    std::string name;              // the stream
    std::string media_session_id;  // its publisher's
    std::string path;              // the file (FAILED: what is left on disk, or the name wanted)
    std::uint64_t size = 0;        // bytes
    std::uint32_t duration_ms = 0;
    std::uint32_t first_timestamp = 0;  // the stream's timestamps (ms) of the file's first and
    std::uint32_t last_timestamp = 0;   // last media
    std::string status = "FINISHED";    // FINISHED or FAILED
    std::string reason;                 // FAILED: why; left out of the JSON when empty
};

// RecordingStatusEvent: nodeId, appKey, name, mediaSessionId, path, size, duration (ms),
// firstTimestamp, lastTimestamp, status, and `reason` when it is not empty.
json recording_status_payload(const RecordingStatus& status);

// The compact JSON text of a payload, as sent. Strings from peers may hold invalid UTF-8:
// such bytes become U+FFFD instead of making nlohmann::json throw.
std::string to_body(const json& payload);

// What a backend's 2xx answer may change in the request it answered.
struct Overwrite {
    json fields = json::object();      // allowed fields whose value differs from what was sent
    std::vector<std::string> refused;  // changed fields the operator did not allow, or of
                                       // another JSON type than the one sent
    bool body_was_json = false;        // false: empty or not a JSON object (nothing taken)
    std::vector<std::string> wrong_type;  // allowed fields refused for their JSON type only
};

// Compares `answer_body` (a JSON object, e.g. WCS's echo of the request) with `sent`. A field is
// taken when its name is in `allowed` (`rest_overwrite`), it differs from the sent value and has
// the same JSON type (numbers of any kind count as one type; a field that was not sent is taken
// when it is a string, number or boolean). Never throws.
Overwrite apply_overwrite(const json& sent, const std::vector<std::string>& allowed,
                          std::string_view answer_body);

}  // namespace hook
