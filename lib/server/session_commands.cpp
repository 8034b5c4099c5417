// Session message handling: protocol control, NetConnection and NetStream commands (dispatched by
// one table), publisher data and media. Replies follow what ffmpeg, OBS, VLC, rtmpdump and
// GStreamer expect (docs/clients.md): matching transaction ids, statuses on the created stream id.
#include "hook/payload.h"
#include "net/log.h"
#include "rtmp/command_params.h"
#include "rtmp/command_replies.h"
#include "server/recording_decision.h"
#include "server/session.h"
#include "util/text_escape.h"

namespace server {

namespace {
constexpr std::uint32_t kWindowAckSize = 2500000;
bool is_true(const std::string* v) { return v && (*v == "true" || *v == "1" || *v == "yes"); }
}  // namespace

// name → handler. Each handler reads its arguments with its schema (rtmp/command_params.h:
// read_connect, read_publish, read_play, read_pause, read_receive); `before_connect` commands
// are the only ones a session may send before connect is answered.
struct Session::CommandEntry {
    std::string_view name;
    bool before_connect;
    void (Session::*handler)(const rtmp::Command&, std::uint32_t stream_id);
};

const Session::CommandEntry Session::kCommands[] = {
    {"connect", true, &Session::on_connect},
    {"createStream", false, &Session::on_create_stream},
    {"publish", false, &Session::on_publish},
    {"play", false, &Session::on_play},
    {"deleteStream", false, &Session::on_close_stream},
    {"closeStream", false, &Session::on_close_stream},
    {"FCUnpublish", false, &Session::on_fc_unpublish},
    {"pause", false, &Session::on_pause},
    {"seek", false, &Session::on_seek},
    {"receiveAudio", false, &Session::on_receive_track},
    {"receiveVideo", false, &Session::on_receive_track},
    {"getStreamLength", false, &Session::on_get_stream_length},
    {"_checkbw", false, &Session::on_check_bandwidth},
    {"releaseStream", false, &Session::on_publish_prelude},
    {"FCPublish", false, &Session::on_publish_prelude},
    {"FCSubscribe", false, &Session::on_publish_prelude},
};

// What publish and play differ in; everything else they share (request_stream).
struct Session::StreamRequest {
    bool publish;
    const char* hook_method;
    std::string_view bad_name_code;  // the status of a bad name or a busy session
    std::string_view refused_code;   // the status of a hook's refusal
    std::string_view refused_text;   // its description when the backend gave none
    std::string_view verb;           // in log lines: "publish" / "play"
};

void Session::handle_message(rtmp::Message&& m) {
    using T = rtmp::MessageType;
    ++totals_.messages_in;
    if (!within_message_rates(m.type)) return;
    if (state_ == SessionState::AwaitingHook) {
        // A hook decides on an earlier command: the messages already decoded with it wait their
        // turn (reading stops meanwhile, so these are few). Bounded all the same.
        if (pending_.size() >= 256) {
            count_command_failure("pending_overflow");
            close("too many messages while a hook decision was pending", true);
            return;
        }
        pending_.push_back(std::move(m));
        return;
    }
    switch (static_cast<T>(m.type)) {
        case T::SetChunkSize:
        case T::Abort:
            return;  // applied by the decoder
        case T::Acknowledgement:
        case T::SetPeerBandwidth:
            return;
        case T::WindowAckSize:
        case T::UserControl:
            handle_control(m);
            return;
        case T::CommandAmf0:
        case T::CommandAmf3: {
            auto cmd = rtmp::decode_command(m.payload, m.type == std::uint8_t(T::CommandAmf3));
            if (!cmd) {
                count_command_failure("malformed_command");
                close(std::string("bad command message: ") + rtmp::to_string(cmd.error().code) +
                          (cmd.error().message.empty() ? "" : ": " + cmd.error().message),
                      true);
                return;
            }
            handle_command(*cmd, m.stream_id);
            return;
        }
        case T::DataAmf0:
        case T::DataAmf3:
            handle_data(m);
            return;
        case T::Audio:
        case T::Video:
            handle_media(std::move(m));
            return;
        default:
            net::logger().debug("message ignored", {{"session", std::to_string(id_)},
                                                    {"type", std::string(rtmp::message_type_name(m.type))}});
    }
}

void Session::handle_control(const rtmp::Message& m) {
    if (m.type == std::uint8_t(rtmp::MessageType::WindowAckSize)) {
        if (auto size = rtmp::read_u32_payload(m.payload)) ack_.set_window(*size);
        return;
    }
    auto uc = rtmp::read_user_control(m.payload);
    if (!uc) return;
    if (uc->event == rtmp::UserControlEvent::PingRequest)
        send_user_control(rtmp::UserControlEvent::PingResponse, uc->value);
}

void Session::handle_command(const rtmp::Command& cmd, std::uint32_t stream_id) {
    const CommandEntry* entry = nullptr;
    for (const auto& e : kCommands)
        if (e.name == cmd.name) entry = &e;
    if (!connected_ && !(entry && entry->before_connect)) {
        // The name is quoted short: the reason must survive the log's cap on a value.
        count_command_failure("before_connect");
        close("command '" + util::shorten(cmd.name, 64) + "' before connect", true);
        return;
    }
    if (!entry) {
        net::logger().debug("command ignored", {{"session", std::to_string(id_)}, {"command", cmd.name}});
        return;
    }
    (this->*entry->handler)(cmd, stream_id);
}

// --- NetConnection -----------------------------------------------------------------------------

void Session::on_connect(const rtmp::Command& cmd, std::uint32_t) {
    if (connected_ || state_ != SessionState::Handshake) {
        // As nginx-rtmp ("connect: duplicate connection"): refused, and the session ends. The
        // client is told why; what it already sent stays valid until its bytes are out.
        send_command(0, rtmp::connect_rejected(cmd.transaction_id, "Already connected."));
        count_command_failure("already_connected");
        close_after_flush("second connect on one connection", true);
        return;
    }
    auto params = rtmp::read_connect(cmd);
    if (!params) {
        send_command(0, rtmp::connect_rejected(cmd.transaction_id, "Malformed connect command."));
        count_command_failure("malformed_connect");
        close_after_flush(std::string("bad connect: ") + params.error().message, true);
        return;
    }
    url::ParseOptions opts;
    opts.stream_params_as_connection = config_->rtmp_use_stream_params_as_connection;
    auto parsed = url::from_server_parts(params->tc_url, params->app, "", opts);
    if (!parsed) {
        std::string why = "bad app or tcUrl (" + std::string(url::errc_name(parsed.error().code)) + ")";
        send_command(0, rtmp::connect_rejected(cmd.transaction_id, why));
        count_command_failure("bad_app");
        close_after_flush("connect rejected: " + why, true);
        return;
    }
    connect_url_ = *parsed;
    app_ = parsed->app;
    tc_url_ = params->tc_url;
    flash_ver_ = params->flash_ver;
    app_field_ = params->app;
    object_encoding_ = params->object_encoding;
    if (!host_.hooks()) return finish_connect(cmd.transaction_id);
    if (config_->rtmp_use_stream_params_as_connection) {
        // The connect hook waits for the stream name, whose parameters it carries.
        connect_hook_deferred_ = true;
        return finish_connect(cmd.transaction_id);
    }
    const double txn = cmd.transaction_id;
    hook::ConnectInfo info = connect_info(connect_url_.connect_params);
    authorize(hook::method::kConnect, hook::connect_payload(info),
              [this, txn, info](const hook::Decision& d) {
                  if (d.allowed) {
                      established_sent_ = true;
                      notify(hook::method::kConnectionStatusEvent,
                             hook::connection_status_payload(info, "ESTABLISHED"));
                      return finish_connect(txn);
                  }
                  notify(hook::method::kConnectionStatusEvent,
                         hook::connection_status_payload(info, "FAILED", d.reason));
                  send_command(0, rtmp::connect_rejected(txn, d.client_reason.empty()
                                                                   ? "Connection refused."
                                                                   : d.client_reason));
                  count_command_failure("connect_refused");
                  close_after_flush("connect refused by hook: " + d.reason, false);
              });
}

void Session::finish_connect(double txn) {
    connected_ = true;
    enter(SessionState::Connected);
    send_control(rtmp::MessageType::WindowAckSize, rtmp::window_ack_size_payload(kWindowAckSize));
    send_control(rtmp::MessageType::SetPeerBandwidth,
                 rtmp::set_peer_bandwidth_payload(kWindowAckSize, rtmp::PeerBandwidthLimit::Dynamic));
    send_control(rtmp::MessageType::SetChunkSize,
                 rtmp::set_chunk_size_payload(std::uint32_t(config_->chunk_size)));
    encoder_.set_chunk_size(std::uint32_t(config_->chunk_size));
    send_command(0, rtmp::connect_result(txn, object_encoding_));
    net::logger().info("connected", {{"session", std::to_string(id_)},
                                     {"peer", peer_.peer},
                                     {"app", app_},
                                     {"tcUrl", tc_url_},
                                     {"params", connect_url_.connect_params.to_query()}});
}

void Session::on_create_stream(const rtmp::Command& cmd, std::uint32_t) {
    const std::uint32_t id = next_stream_id_++;
    send_command(0, rtmp::create_stream_result(cmd.transaction_id, id));
}

void Session::on_get_stream_length(const rtmp::Command& cmd, std::uint32_t) {
    send_command(0, rtmp::result(cmd.transaction_id,
                                 {rtmp::amf::Value::null(), rtmp::amf::Value::number(0)}));
}

void Session::on_check_bandwidth(const rtmp::Command& cmd, std::uint32_t) {
    send_command(0, rtmp::result(cmd.transaction_id, {rtmp::amf::Value::null(), rtmp::amf::Value::null()}));
}

void Session::on_publish_prelude(const rtmp::Command& cmd, std::uint32_t) {
    // releaseStream / FCPublish / FCSubscribe: answered when a reply is asked for (txn != 0).
    if (cmd.transaction_id != 0)
        send_command(0, rtmp::result(cmd.transaction_id,
                                     {rtmp::amf::Value::null(), rtmp::amf::Value::undefined()}));
}

void Session::on_fc_unpublish(const rtmp::Command&, std::uint32_t) {
    // OBS sends FCUnpublish before deleteStream; the publication ends with the latter.
}

// --- NetStream ---------------------------------------------------------------------------------

void Session::on_close_stream(const rtmp::Command&, std::uint32_t) {
    const bool was_active = publishing_ || playing_;
    stop_publishing();
    stop_playing();
    if (was_active && !stopped()) enter(SessionState::Connected);  // connected, and idle again
}

void Session::on_seek(const rtmp::Command&, std::uint32_t stream_id) {
    // Live: nothing to seek, but ffmpeg discards everything until this status arrives.
    send_status(stream_id ? stream_id : play_stream_id_, "status", rtmp::status::kSeekNotify,
                "Seeking is not possible in a live stream.");
}

void Session::on_receive_track(const rtmp::Command& cmd, std::uint32_t) {
    auto p = rtmp::read_receive(cmd);
    if (!p) return;
    const bool video = cmd.name == "receiveVideo";
    (video ? receive_video_ : receive_audio_) = p->enabled;
    if (video && p->enabled) queue_.wait_for_keyframe();
}

void Session::on_pause(const rtmp::Command& cmd, std::uint32_t) {
    auto p = rtmp::read_pause(cmd);
    if (!p || !playing_) return;
    const bool was_paused = state_ == SessionState::Paused;
    if (p->pause) {
        enter(SessionState::Paused);
        send_status(play_stream_id_, "status", rtmp::status::kPauseNotify, "Paused live stream.");
        send_user_control(rtmp::UserControlEvent::StreamEOF, play_stream_id_);
        return;
    }
    if (was_paused) enter(SessionState::Playing);
    send_status(play_stream_id_, "status", rtmp::status::kUnpauseNotify, "Unpaused live stream.");
    send_user_control(rtmp::UserControlEvent::StreamBegin, play_stream_id_);
    // Only a pause stopped the media: an unpause without one has nothing to catch up on.
    if (!was_paused || stopped()) return;
    queue_.wait_for_keyframe();
    start_replay();
}

bool Session::split_stream_name(const std::string& raw, url::RtmpUrl& out) {
    url::ParseOptions opts;
    opts.stream_params_as_connection = config_->rtmp_use_stream_params_as_connection;
    opts.require_stream = true;
    auto parsed = url::from_server_parts(tc_url_, app_field_, raw, opts);
    if (!parsed) return false;
    out = *parsed;
    return true;
}

const Session::StreamRequest Session::kPublishRequest{
    true, hook::method::kPublishStream, rtmp::status::kPublishBadName, rtmp::status::kPublishDenied,
    "Publishing refused.", "publish"};
const Session::StreamRequest Session::kPlayRequest{
    false, hook::method::kPlayStream, rtmp::status::kPlayFailed, rtmp::status::kPlayFailed,
    "Playing refused.", "play"};

void Session::on_publish(const rtmp::Command& cmd, std::uint32_t stream_id) {
    request_stream(kPublishRequest, cmd, stream_id);
}

void Session::on_play(const rtmp::Command& cmd, std::uint32_t stream_id) {
    if (!config_->rtmp_server_enabled) {
        send_status(stream_id, "error", rtmp::status::kPlayFailed,
                    "Playback over RTMP is disabled on this server (rtmp_server_enabled: false).");
        count_command_failure("play_disabled");
        close_after_flush("play refused: rtmp_server_enabled is false", false);
        return;
    }
    request_stream(kPlayRequest, cmd, stream_id);
}

void Session::refuse_stream(const StreamRequest& kind, std::uint32_t stream_id, std::string_view code,
                            const std::string& told, std::string_view counter,
                            const std::string& logged, bool error) {
    send_status(stream_id, "error", code, told);
    count_command_failure(counter);
    close_after_flush(std::string(kind.verb) + " refused" + logged, error);
}

void Session::request_stream(const StreamRequest& kind, const rtmp::Command& cmd, std::uint32_t stream_id) {
    std::optional<std::string> raw_name;
    std::string type;
    if (kind.publish) {
        if (auto p = rtmp::read_publish(cmd)) {
            raw_name = p->name;
            type = p->type;
        }
    } else if (auto p = rtmp::read_play(cmd)) {
        raw_name = p->name;
    }
    url::RtmpUrl where;
    if (!raw_name || !split_stream_name(*raw_name, where))
        return refuse_stream(kind, stream_id,
                             kind.publish ? rtmp::status::kPublishBadName : rtmp::status::kPlayStreamNotFound,
                             "Bad stream name.", "bad_stream_name", ": bad stream name", true);
    if (publishing_ || playing_)
        return refuse_stream(kind, stream_id, kind.bad_name_code,
                             "This connection already publishes or plays a stream.", "session_busy",
                             ": session busy", true);
    // `told` reaches the client; `logged` (which may name the backend) only the log.
    const StreamRequest* k = &kind;
    auto refuse = [this, k, stream_id](const std::string& told, const std::string& logged) {
        refuse_stream(*k, stream_id, k->refused_code, told.empty() ? std::string(k->refused_text) : told,
                      k->publish ? "publish_refused" : "play_refused", " by hook: " + logged, false);
    };
    authorize_deferred_connect(where, [this, k, where, stream_id, type, refuse] {
        if (k->publish) publish_media_session_id_ = hook_uuid();
        hook::StreamInfo info = stream_info(where.stream, k->publish, "NEW", where.stream_params);
        if (k->publish) info.record = recording_wanted(*config_, where.stream_params);  // before the answer
        const bool record = info.record;
        authorize(k->hook_method, hook::stream_payload(info),
                  [this, k, where, stream_id, type, refuse, record](const hook::Decision& d) {
                      if (!d.allowed) return refuse(d.client_reason, d.reason);
                      std::string name = where.stream, why;
                      if (!apply_overwritten_name(d.overwritten_fields, d.wrong_type_fields, name, why))
                          return refuse("Stream name refused by the server.", why);
                      if (!k->publish) return start_play(where, name, stream_id);
                      publish_record_ = record;
                      apply_overwritten_record(d.overwritten_fields, d.wrong_type_fields,
                                               publish_record_, why);
                      if (!why.empty())
                          net::logger().warn("hook answer: record ignored",
                                             {{"session", std::to_string(id_)}, {"reason", why}});
                      start_publish(where, name, stream_id, type);
                  });
    }, refuse);
}

void Session::start_publish(const url::RtmpUrl& where, std::string name, std::uint32_t stream_id,
                            const std::string& type) {
    const StreamKey key{app_, name};
    Registry& registry = host_.registry();
    if (Session* old = registry.publisher_of(key)) {
        if (config_->publish_conflict != PublishConflict::Replace)
            return refuse_stream(kPublishRequest, stream_id, rtmp::status::kPublishBadName,
                                 "Stream " + where.stream + " is already being published.",
                                 "already_published", ": " + key.text() + " already published", true);
        // The old publisher lets go now (its stream may be released if nobody plays it).
        old->replaced();
    }
    Stream& stream = registry.publish(key, *this, host_.now_ms());
    publishing_ = &stream;
    publish_stream_id_ = stream_id;
    publish_name_ = name;
    publish_params_ = where.stream_params;
    publishing_event_sent_ = false;
    enter(SessionState::Publishing);
    send_user_control(rtmp::UserControlEvent::StreamBegin, stream_id);
    // Descriptions name the stream as the client did: a backend's overwritten name is internal.
    send_status(stream_id, "status", rtmp::status::kPublishStart, where.stream + " is now published.");
    net::logger().info("publish", {{"session", std::to_string(id_)},
                                   {"peer", peer_.peer},
                                   {"stream", stream.key()},
                                   {"type", type},
                                   {"params", where.stream_params.to_query()}});
    host_.publication_started(stream, publish_media_session_id_, publish_record_);
}

void Session::start_play(const url::RtmpUrl& where, std::string name, std::uint32_t stream_id) {
    suppress_sound_ = is_true(where.connect_params.get("suppress_sound")) ||
                      is_true(where.stream_params.get("suppress_sound")) ||
                      is_true(connect_url_.connect_params.get("suppress_sound"));
    play_stream_id_ = stream_id;
    play_name_ = name;
    play_params_ = where.stream_params;
    queue_.wait_for_keyframe();
    player_output_ = true;
    ledger_.appended(io_.unsent(), false);  // replies so far: all private
    io_.enter_player_output();

    send_user_control(rtmp::UserControlEvent::StreamBegin, stream_id);
    send_status(stream_id, "status", rtmp::status::kPlayReset, "Playing and resetting " + where.stream + ".");
    send_status(stream_id, "status", rtmp::status::kPlayStart, "Started playing " + where.stream + ".");
    send(rtmp::csid::kData, std::uint8_t(rtmp::MessageType::DataAmf0), stream_id,
         rtmp::sample_access(true, true));
    Stream& stream = host_.registry().join(StreamKey{app_, name}, *this, host_.now_ms());
    playing_ = &stream;
    enter(SessionState::Playing);
    net::logger().info("play", {{"session", std::to_string(id_)},
                                {"peer", peer_.peer},
                                {"stream", stream.key()},
                                {"params", where.stream_params.to_query()},
                                {"suppress_sound", suppress_sound_ ? "true" : "false"},
                                {"waiting", stream.has_publisher() ? "no" : "yes"}});
    if (host_.hooks()) {
        hook::StreamInfo info = stream_info(name, false, "PLAYING", play_params_);
        fill_facts(info, stream);
        notify(hook::method::kStreamStatusEvent, hook::stream_payload(info));
    }
    if (stream.has_publisher()) {
        start_replay();
        io_.flush(true);  // a new player's first picture is never held back by write_coalesce
    }
}

void Session::stop_publishing() {
    if (!publishing_) return;
    Stream* s = publishing_;
    publishing_ = nullptr;
    if (host_.registry().publisher_of(s->id()) == this) {
        if (host_.hooks()) {
            hook::StreamInfo info = stream_info(publish_name_, true, "UNPUBLISHED", publish_params_);
            fill_facts(info, *s);
            notify(hook::method::kStreamStatusEvent, hook::stream_payload(info));
            notify(hook::method::kUnPublishStream, hook::stream_payload(info));
        }
        host_.publication_ended(*s);
        host_.registry().unpublish(*s, *this);
        net::logger().info("unpublish", {{"session", std::to_string(id_)}, {"stream", s->key()}});
    }
    host_.registry().release_if_idle(*s);
}

void Session::stop_playing() {
    if (!playing_) return;
    Stream* s = playing_;
    playing_ = nullptr;
    if (host_.hooks()) {
        hook::StreamInfo info = stream_info(play_name_, false, "STOPPED", play_params_);
        fill_facts(info, *s);
        notify(hook::method::kStreamStatusEvent, hook::stream_payload(info));
        notify(hook::method::kStopStream, hook::stream_payload(info));
    }
    host_.registry().leave(*s, *this);
}

// --- publisher data and media -------------------------------------------------------------------

void Session::handle_data(const rtmp::Message& m) {
    if (!publishing_) return;
    if (m.payload.size() > std::size_t(config_->max_metadata_size))
        return drop_big_metadata(m.payload.size());
    const bool amf3 = m.type == std::uint8_t(rtmp::MessageType::DataAmf3);
    auto values = rtmp::decode_data(m.payload, amf3);
    if (!values || values->empty() || !values->front().is_string()) return;
    const std::string& name = values->front().as_string();
    util::Bytes payload;
    if (name == "@setDataFrame") {
        // Players get onMetaData itself (docs/clients.md: strip @setDataFrame).
        if (values->size() < 3 || values->at(1).as_string() != "onMetaData") return;
        std::vector<rtmp::amf::Value> rest(values->begin() + 2, values->end());
        payload = rtmp::encode_data("onMetaData", rest);
        if (const auto* fr = values->size() > 2 ? values->at(2).get("framerate") : nullptr)
            publishing_->note_metadata_frame_rate(fr->as_number());
    } else if (name == "onMetaData") {
        std::vector<rtmp::amf::Value> rest(values->begin() + 1, values->end());
        payload = rtmp::encode_data("onMetaData", rest);
    } else {
        return;
    }
    // Re-encoding expands AMF0 references and AMF3 into plain AMF0: check again.
    if (payload.size() > std::size_t(config_->max_metadata_size))
        return drop_big_metadata(payload.size());
    publishing_->publish(std::uint8_t(rtmp::MessageType::DataAmf0), m.timestamp, std::move(payload));
}

void Session::drop_big_metadata(std::size_t size) {
    // The first and then every 100th: a publisher repeating it does not flood the log.
    if (big_metadata_dropped_++ % 100 != 0) return;
    net::logger().warn("metadata larger than max_metadata_size, dropped",
                       {{"session", std::to_string(id_)},
                        {"peer", peer_.peer},
                        {"stream", publishing_ ? publishing_->key() : ""},
                        {"size", std::to_string(size)},
                        {"max_metadata_size", std::to_string(config_->max_metadata_size)},
                        {"dropped", std::to_string(big_metadata_dropped_)}});
}

void Session::handle_media(rtmp::Message&& m) {
    if (!publishing_ || m.stream_id != publish_stream_id_) return;
    const std::size_t size = m.payload.size();
    if (!publishing_->publish(m.type, m.timestamp, std::move(m.payload))) {
        // Empty or cut-short media: nothing a player could decode. Logged at most once a
        // second, with the count: a flood of them must not become a flood of log lines.
        ++short_media_dropped_;
        const long long now = host_.now_ms();
        if (short_media_dropped_ == 1 || now - short_media_logged_ms_ >= 1000) {
            short_media_logged_ms_ = now;
            net::logger().warn("media too short for its tag header, dropped",
                               {{"session", std::to_string(id_)},
                                {"peer", peer_.peer},
                                {"stream", publishing_->key()},
                                {"type", std::string(rtmp::message_type_name(m.type))},
                                {"size", std::to_string(size)},
                                {"dropped", std::to_string(short_media_dropped_)}});
        }
        return;
    }
    if (!publishing_event_sent_) publishing_event_if_ready();
}

}  // namespace server
