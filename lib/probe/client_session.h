// The RTMP client as a sans-IO state machine: handshake, connect, createStream, then play or
// publish. Bytes in through feed(), bytes out appended to a caller-owned buffer, time passed in.
// Replies are matched by transaction id; every status and the server's connect answer are kept
// for the report. The libevent glue (probe/connection.h) owns the socket.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "probe/errors.h"
#include "rtmp/amf_value.h"
#include "rtmp/chunk_decoder.h"
#include "rtmp/chunk_encoder.h"
#include "rtmp/command.h"
#include "rtmp/control.h"
#include "rtmp/handshake.h"
#include "url/rtmp_url.h"

namespace probe {

enum class Mode { Play, Publish };

enum class SessionState {
    Handshake,       // C0C1 sent, waiting for S0S1S2
    Connecting,      // connect sent
    CreatingStream,  // createStream sent
    Starting,        // play / publish sent
    Active,          // NetStream.Play.Start or NetStream.Publish.Start received
    Failed,
};
const char* state_name(SessionState state);

struct ClientConfig {
    Mode mode = Mode::Play;
    std::string app;     // as connect sends it: may carry the connection query (live?k=v)
    std::string tc_url;  // scheme://host[:port]/app-with-query
    std::string stream;  // as play/publish send it: may carry the stream query (name?k=v)
    std::string flash_ver;              // empty: "LNX 9,0,124,2" to play, "FMLE/3.0 ..." to publish
    std::uint32_t chunk_size = 4096;    // announced before connect; what publish sends with
    std::uint32_t buffer_ms = 3000;     // SetBufferLength after play
    bool digest_handshake = true;       // ffmpeg's scheme (digest C1); false: simple
};

// The connect fields of an RTMP URL as ffmpeg sends them: the app and tcUrl carry the
// connection query, the stream name carries the stream query. `extra_connect_params` are
// appended to the connection query.
util::Result<ClientConfig, ProbeErrc> config_from_url(
    const url::RtmpUrl& url, Mode mode,
    const std::vector<std::pair<std::string, std::string>>& extra_connect_params = {});

struct StatusEvent {
    std::uint64_t at_ms = 0;
    std::uint32_t stream_id = 0;
    std::string level, code, description;
};

// What the server answered to connect: _result(txn, properties, information).
struct ConnectAnswer {
    bool received = false;
    std::string fms_ver;
    double capabilities = 0;
    std::string code, description;
    rtmp::amf::Value properties, information;
};

// Milliseconds on the caller's clock; unset until the step happened.
struct SessionTimes {
    std::uint64_t start = 0;
    std::optional<std::uint64_t> handshake_done, connected, stream_created, active;
};

// Optional observer: every message the chunk layer delivers (before the session acts on it),
// and state changes. Kept virtual and cheap: the load path counts bytes here.
class SessionListener {
public:
    virtual ~SessionListener() = default;
    virtual void on_message(const rtmp::Message& message, std::uint64_t now_ms) {
        (void)message;
        (void)now_ms;
    }
    virtual void on_state(SessionState state, std::uint64_t now_ms) {
        (void)state;
        (void)now_ms;
    }
};

class ClientSession {
public:
    ClientSession(ClientConfig config, rtmp::RandomFill random, SessionListener* listener = nullptr,
                  rtmp::ChunkLimits limits = {});

    // Appends C0+C1. `now_ms` is the start of the session's clock for the report's timings.
    void start(std::uint64_t now_ms, util::Bytes& out);

    // Consumes server bytes (handshake, then chunks); replies are appended to `out`. An error
    // (rejected connect, stream not found, protocol error) is fatal; later calls return it again.
    util::Result<std::size_t, ProbeErrc> feed(util::ByteView in, std::uint64_t now_ms,
                                              util::Bytes& out);

    // The error to report when the server closed the connection now.
    ProbeError closed_error() const;

    // Publishing: one FLV tag's worth of media (type 8, 9 or 18), on the created stream.
    // Data messages get the @setDataFrame prefix when they do not carry it.
    void send_media(std::uint8_t type, std::uint32_t timestamp, util::ByteView payload,
                    util::Bytes& out);
    // FCUnpublish + deleteStream (publish) or deleteStream (play): a polite goodbye.
    void finish(util::Bytes& out);

    SessionState state() const { return state_; }
    bool active() const { return state_ == SessionState::Active; }
    // The stream ended (Play.Stop, Play.Complete, Play.UnpublishNotify, StreamEOF).
    bool stream_ended() const { return stream_ended_; }
    const std::optional<ProbeError>& failure() const { return failure_; }
    const ConnectAnswer& connect_answer() const { return connect_; }
    const std::vector<StatusEvent>& statuses() const { return statuses_; }
    const SessionTimes& times() const { return times_; }
    std::uint32_t stream_id() const { return stream_id_; }
    std::uint64_t bytes_received() const { return bytes_received_; }
    const ClientConfig& config() const { return config_; }
    const rtmp::ClientHandshake& handshake() const { return handshake_; }
    std::uint32_t server_chunk_size() const { return decoder_.chunk_size(); }

private:
    enum class Txn { Connect, ReleaseStream, FcPublish, CreateStream, Publish, Other };

    util::Result<std::size_t, ProbeErrc> fail(ProbeErrc code, std::string message);
    void set_state(SessionState state, std::uint64_t now_ms);
    void on_handshake_done(std::uint64_t now_ms, util::Bytes& out);
    void handle(const rtmp::Message& m, std::uint64_t now_ms, util::Bytes& out);
    void handle_control(const rtmp::Message& m, util::Bytes& out);
    void handle_command(const rtmp::Command& cmd, std::uint32_t stream_id, std::uint64_t now_ms,
                        util::Bytes& out);
    void handle_reply(const rtmp::Command& cmd, bool ok, std::uint64_t now_ms, util::Bytes& out);
    void handle_status(const rtmp::Command& cmd, std::uint32_t stream_id, std::uint64_t now_ms);
    void send_command(std::string_view name, Txn kind, std::initializer_list<rtmp::amf::Value> args,
                      std::uint32_t stream_id, util::Bytes& out);
    void send(std::uint32_t csid, rtmp::MessageType type, std::uint32_t stream_id,
              std::uint32_t timestamp, util::ByteView payload, util::Bytes& out);

    ClientConfig config_;
    SessionListener* listener_;
    rtmp::ClientHandshake handshake_;
    rtmp::ChunkDecoder decoder_;
    rtmp::ChunkEncoder encoder_;
    rtmp::AckCounter ack_;
    SessionState state_ = SessionState::Handshake;
    std::optional<ProbeError> failure_;
    std::map<double, Txn> pending_;
    double next_txn_ = 1;
    std::uint32_t stream_id_ = 0;
    bool stream_ended_ = false;
    ConnectAnswer connect_;
    std::vector<StatusEvent> statuses_;
    SessionTimes times_;
    std::uint64_t bytes_received_ = 0;
};

}  // namespace probe
