// The RTMP client state machine: what is sent at each step, and how each reply moves it on.
// The sequence follows ffmpeg's rtmpproto.c, which every server is tested against.
#include "probe/client_session.h"

#include <algorithm>

#include "probe/replies.h"
#include "rtmp/command_replies.h"

namespace probe {

namespace amf = rtmp::amf;

const char* state_name(SessionState state) {
    switch (state) {
    case SessionState::Handshake: return "handshake";
    case SessionState::Connecting: return "connecting";
    case SessionState::CreatingStream: return "creating_stream";
    case SessionState::Starting: return "starting";
    case SessionState::Active: return "active";
    case SessionState::Failed: return "failed";
    }
    return "unknown";
}

util::Result<ClientConfig, ProbeErrc> config_from_url(
    const url::RtmpUrl& u, Mode mode,
    const std::vector<std::pair<std::string, std::string>>& extra_connect_params) {
    ClientConfig c;
    c.mode = mode;
    c.tc_url = u.tc_url;
    // tcUrl is scheme://authority/app-with-query: the app field is that path, verbatim.
    std::size_t scheme_end = u.tc_url.find("://");
    std::size_t slash =
        scheme_end == std::string::npos ? std::string::npos : u.tc_url.find('/', scheme_end + 3);
    c.app = slash == std::string::npos ? u.app : u.tc_url.substr(slash + 1);
    if (!extra_connect_params.empty()) {
        url::Params extra;
        extra.items = extra_connect_params;
        std::string query = extra.to_query();
        char sep = c.app.find('?') == std::string::npos ? '?' : '&';
        c.app += sep + query;
        c.tc_url += sep + query;
    }
    if (u.stream.empty())
        return ProbeError{ProbeErrc::Io, "the URL names no stream (rtmp://host/app/stream)"};
    c.stream = u.stream;
    if (!u.stream_params.empty()) c.stream += "?" + u.stream_params.to_query();
    return c;
}

ClientSession::ClientSession(ClientConfig config, rtmp::RandomFill random,
                             SessionListener* listener, rtmp::ChunkLimits limits)
    : config_(std::move(config)),
      listener_(listener),
      handshake_(std::move(random), 0, config_.digest_handshake),
      decoder_(limits) {
    if (config_.flash_ver.empty())
        config_.flash_ver =
            config_.mode == Mode::Play ? "LNX 9,0,124,2" : "FMLE/3.0 (compatible; rtmp-probe)";
}

void ClientSession::start(std::uint64_t now_ms, util::Bytes& out) {
    times_.start = now_ms;
    handshake_.start(out);
}

util::Result<std::size_t, ProbeErrc> ClientSession::fail(ProbeErrc code, std::string message) {
    if (!failure_) failure_ = ProbeError{code, std::move(message), true};
    state_ = SessionState::Failed;
    return *failure_;
}

void ClientSession::set_state(SessionState state, std::uint64_t now_ms) {
    state_ = state;
    if (listener_) listener_->on_state(state, now_ms);
}

util::Result<std::size_t, ProbeErrc> ClientSession::feed(util::ByteView in, std::uint64_t now_ms,
                                                         util::Bytes& out) {
    if (failure_) return *failure_;
    std::size_t used = 0;
    if (!handshake_.done()) {
        auto r = handshake_.feed(in, out);
        if (!r)
            return fail(ProbeErrc::HandshakeFailed,
                        std::string("handshake failed: ") + rtmp::to_string(r.error().code));
        used = *r;
        if (!handshake_.done()) return used;
        on_handshake_done(now_ms, out);
    }
    util::ByteView rest = in.subspan(used);
    if (rest.empty()) return used;
    auto r = decoder_.feed(rest, [&](rtmp::Message&& m) {
        if (failure_) return;
        if (listener_) listener_->on_message(m, now_ms);
        handle(m, now_ms, out);
    });
    if (failure_) return *failure_;
    if (!r)
        return fail(ProbeErrc::Protocol, std::string("chunk stream: ") +
                                             std::string(rtmp::chunk_errc_name(r.error().code)) +
                                             ": " + r.error().message);
    bytes_received_ += *r;
    if (auto seq = ack_.on_received(*r))
        send(rtmp::csid::kControl, rtmp::MessageType::Acknowledgement, 0, 0,
             rtmp::acknowledgement_payload(*seq), out);
    return used + *r;
}

ProbeError ClientSession::closed_error() const {
    if (failure_) return *failure_;
    switch (state_) {
    case SessionState::Handshake:
        return {ProbeErrc::HandshakeFailed, "the server closed the connection during the handshake"};
    case SessionState::Connecting:
        return {ProbeErrc::ConnectRejected, "the server closed the connection before answering connect"};
    case SessionState::CreatingStream:
    case SessionState::Starting:
        return {ProbeErrc::Protocol, std::string("the server closed the connection while ") +
                                         (config_.mode == Mode::Play ? "starting to play"
                                                                     : "starting to publish")};
    default: break;
    }
    return {ProbeErrc::Protocol, "the server closed the connection"};
}

void ClientSession::on_handshake_done(std::uint64_t now_ms, util::Bytes& out) {
    times_.handshake_done = now_ms;
    encoder_.set_chunk_size(config_.chunk_size);
    send(rtmp::csid::kControl, rtmp::MessageType::SetChunkSize, 0, 0,
         rtmp::set_chunk_size_payload(config_.chunk_size), out);
    amf::Properties props = {
        {"app", amf::Value::string(config_.app)},
    };
    if (config_.mode == Mode::Publish) props.push_back({"type", amf::Value::string("nonprivate")});
    props.push_back({"flashVer", amf::Value::string(config_.flash_ver)});
    props.push_back({"tcUrl", amf::Value::string(config_.tc_url)});
    if (config_.mode == Mode::Play) {
        props.push_back({"fpad", amf::Value::boolean(false)});
        props.push_back({"capabilities", amf::Value::number(15)});
        props.push_back({"audioCodecs", amf::Value::number(4071)});
        props.push_back({"videoCodecs", amf::Value::number(252)});
        props.push_back({"videoFunction", amf::Value::number(1)});
    }
    set_state(SessionState::Connecting, now_ms);
    send_command("connect", Txn::Connect, {amf::Value::object(std::move(props))}, 0, out);
}

void ClientSession::send(std::uint32_t csid, rtmp::MessageType type, std::uint32_t stream_id,
                         std::uint32_t timestamp, util::ByteView payload, util::Bytes& out) {
    rtmp::MessageHeader h;
    h.csid = csid;
    h.type = std::uint8_t(type);
    h.stream_id = stream_id;
    h.timestamp = timestamp;
    h.length = std::uint32_t(payload.size());
    encoder_.encode(h, payload, out);
}

void ClientSession::send_command(std::string_view name, Txn kind,
                                 std::initializer_list<amf::Value> args, std::uint32_t stream_id,
                                 util::Bytes& out) {
    double txn = kind == Txn::Other ? 0 : next_txn_++;
    if (kind != Txn::Other) pending_[txn] = kind;
    send(rtmp::csid::kCommand, rtmp::MessageType::CommandAmf0, stream_id, 0,
         rtmp::encode_command(name, txn, args), out);
}

void ClientSession::handle(const rtmp::Message& m, std::uint64_t now_ms, util::Bytes& out) {
    switch (rtmp::MessageType(m.type)) {
    case rtmp::MessageType::CommandAmf0:
    case rtmp::MessageType::CommandAmf3: {
        auto cmd = rtmp::decode_command(m.payload, m.type == 17);
        if (!cmd) {
            fail(ProbeErrc::Protocol, "undecodable command: " + cmd.error().message);
            return;
        }
        handle_command(*cmd, m.stream_id, now_ms, out);
        return;
    }
    case rtmp::MessageType::UserControl:
    case rtmp::MessageType::WindowAckSize:
        handle_control(m, out);
        return;
    default: return;  // media and data are the listeners' business
    }
}

void ClientSession::handle_control(const rtmp::Message& m, util::Bytes& out) {
    if (m.type == std::uint8_t(rtmp::MessageType::WindowAckSize)) {
        if (auto size = rtmp::read_u32_payload(m.payload)) ack_.set_window(*size);
        return;
    }
    auto uc = rtmp::read_user_control(m.payload);
    if (!uc) return;
    if (uc->event == rtmp::UserControlEvent::PingRequest) {
        send(rtmp::csid::kControl, rtmp::MessageType::UserControl, 0, 0,
             rtmp::user_control_payload(rtmp::UserControlEvent::PingResponse, uc->value), out);
    } else if (uc->event == rtmp::UserControlEvent::StreamEOF && uc->value == stream_id_ &&
               state_ == SessionState::Active) {
        stream_ended_ = true;
    }
}

void ClientSession::handle_command(const rtmp::Command& cmd, std::uint32_t stream_id,
                                   std::uint64_t now_ms, util::Bytes& out) {
    if (cmd.name == "_result" || cmd.name == "_error") {
        handle_reply(cmd, cmd.name == "_result", now_ms, out);
    } else if (cmd.name == "onStatus") {
        handle_status(cmd, stream_id, now_ms);
    } else if (cmd.name == "close") {
        stream_ended_ = true;
    }
    // onBWDone, onFCPublish, onFCSubscribe and the like need no answer.
}

void ClientSession::handle_reply(const rtmp::Command& cmd, bool ok, std::uint64_t now_ms,
                                 util::Bytes& out) {
    auto it = pending_.find(cmd.transaction_id);
    if (it == pending_.end()) return;  // a reply to something we did not ask: ignore
    Txn kind = it->second;
    pending_.erase(it);
    switch (kind) {
    case Txn::Connect: {
        auto reply = read_connect_reply(cmd);
        if (!reply) {
            fail(ProbeErrc::Protocol, "bad connect reply: " + reply.error().message);
            return;
        }
        connect_.received = true;
        connect_.fms_ver = reply->fms_ver;
        connect_.capabilities = reply->capabilities;
        connect_.code = reply->code;
        connect_.description = reply->description;
        connect_.properties = reply->properties;
        connect_.information = reply->information;
        statuses_.push_back({now_ms, 0, reply->level, reply->code, reply->description});
        if (!ok) {
            std::string why = reply->code.empty() ? "_error" : reply->code;
            if (!reply->description.empty()) why += ": " + reply->description;
            fail(ProbeErrc::ConnectRejected, "connect rejected (" + why + ")");
            return;
        }
        times_.connected = now_ms;
        send(rtmp::csid::kControl, rtmp::MessageType::WindowAckSize, 0, 0,
             rtmp::window_ack_size_payload(2500000), out);
        if (config_.mode == Mode::Publish) {
            send_command("releaseStream", Txn::ReleaseStream,
                         {amf::Value::null(), amf::Value::string(config_.stream)}, 0, out);
            send_command("FCPublish", Txn::FcPublish,
                         {amf::Value::null(), amf::Value::string(config_.stream)}, 0, out);
        }
        set_state(SessionState::CreatingStream, now_ms);
        send_command("createStream", Txn::CreateStream, {amf::Value::null()}, 0, out);
        return;
    }
    case Txn::CreateStream: {
        auto reply = read_create_stream_reply(cmd);
        if (!ok || !reply) {
            fail(ProbeErrc::Protocol,
                 ok ? "bad createStream reply: " + reply.error().message : "createStream refused");
            return;
        }
        times_.stream_created = now_ms;
        stream_id_ = std::uint32_t(reply->stream_id);
        set_state(SessionState::Starting, now_ms);
        if (config_.mode == Mode::Play) {
            send_command("play", Txn::Other,
                         {amf::Value::null(), amf::Value::string(config_.stream),
                          amf::Value::number(-2000)},
                         stream_id_, out);
            send(rtmp::csid::kControl, rtmp::MessageType::UserControl, 0, 0,
                 rtmp::set_buffer_length_payload(stream_id_, config_.buffer_ms), out);
        } else {
            send_command("publish", Txn::Publish,
                         {amf::Value::null(), amf::Value::string(config_.stream),
                          amf::Value::string("live")},
                         stream_id_, out);
        }
        return;
    }
    case Txn::Publish:
        if (!ok) fail(ProbeErrc::PublishRejected, "publish refused (_error)");
        return;
    default: return;  // releaseStream / FCPublish answers are optional and carry nothing
    }
}

void ClientSession::handle_status(const rtmp::Command& cmd, std::uint32_t stream_id,
                                  std::uint64_t now_ms) {
    auto status = read_status(cmd);
    if (!status) return;  // an onStatus without a code tells us nothing
    statuses_.push_back({now_ms, stream_id, status->level, status->code, status->description});
    const std::string& code = status->code;
    std::string what = code + (status->description.empty() ? "" : ": " + status->description);
    if (code == "NetStream.Play.Start" && config_.mode == Mode::Play) {
        times_.active = now_ms;
        stream_ended_ = false;
        set_state(SessionState::Active, now_ms);
    } else if (code == "NetStream.Publish.Start" && config_.mode == Mode::Publish) {
        times_.active = now_ms;
        set_state(SessionState::Active, now_ms);
    } else if (code == "NetStream.Play.StreamNotFound" || code == "NetStream.Play.Failed") {
        fail(ProbeErrc::StreamNotFound, what);
    } else if (code == "NetStream.Publish.BadName" || code == "NetStream.Publish.Denied" ||
               (config_.mode == Mode::Publish && status->level == "error")) {
        fail(ProbeErrc::PublishRejected, what);
    } else if (code == "NetStream.Play.Stop" || code == "NetStream.Play.Complete" ||
               code == "NetStream.Play.UnpublishNotify") {
        stream_ended_ = true;
    } else if (code == "NetStream.Play.PublishNotify") {
        stream_ended_ = false;
    } else if (status->level == "error" && state_ != SessionState::Active) {
        fail(ProbeErrc::Protocol, what);
    }
}

void ClientSession::send_media(std::uint8_t type, std::uint32_t timestamp, util::ByteView payload,
                               util::Bytes& out) {
    if (state_ != SessionState::Active) return;
    if (type == std::uint8_t(rtmp::MessageType::DataAmf0)) {
        util::Bytes data = rtmp::encode_data("@setDataFrame", {});
        static const std::uint8_t kPrefix[] = {0x02, 0x00, 0x0d, '@', 's', 'e', 't', 'D',
                                               'a',  't',  'a',  'F', 'r', 'a', 'm', 'e'};
        bool prefixed = payload.size() >= sizeof kPrefix &&
                        std::equal(kPrefix, kPrefix + sizeof kPrefix, payload.begin());
        if (!prefixed) {
            data.insert(data.end(), payload.begin(), payload.end());
            send(rtmp::csid::kData, rtmp::MessageType::DataAmf0, stream_id_, timestamp, data, out);
            return;
        }
    }
    std::uint32_t csid = type == 8 ? rtmp::csid::kAudio
                         : type == 9 ? rtmp::csid::kVideo
                                     : rtmp::csid::kData;
    send(csid, rtmp::MessageType(type), stream_id_, timestamp, payload, out);
}

void ClientSession::finish(util::Bytes& out) {
    if (state_ == SessionState::Failed || state_ == SessionState::Handshake) return;
    if (config_.mode == Mode::Publish && stream_id_ != 0)
        send_command("FCUnpublish", Txn::Other,
                     {amf::Value::null(), amf::Value::string(config_.stream)}, 0, out);
    if (stream_id_ != 0)
        send_command("deleteStream", Txn::Other,
                     {amf::Value::null(), amf::Value::number(stream_id_)}, 0, out);
}

}  // namespace probe
