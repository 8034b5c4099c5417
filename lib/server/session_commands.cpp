// Session message handling: protocol control, NetConnection and NetStream commands, publisher
// data and media. Replies follow what ffmpeg, OBS, VLC, rtmpdump and GStreamer expect
// (docs/clients.md): matching transaction ids, statuses on the created stream id.
#include "hook/payload.h"
#include "net/log.h"
#include "net/timeval.h"
#include "rtmp/command_params.h"
#include "rtmp/command_replies.h"
#include "server/recording_decision.h"
#include "server/recordings.h"
#include "server/server.h"
#include "server/session.h"
#include "util/text_escape.h"

namespace server {

namespace {
constexpr std::uint32_t kWindowAckSize = 2500000;
bool is_true(const std::string* v) { return v && (*v == "true" || *v == "1" || *v == "yes"); }
}  // namespace

void Session::handle_message(rtmp::Message&& m) {
    using T = rtmp::MessageType;
    ++totals_.messages_in;
    if (!within_message_rates(m.type)) return;
    if (awaiting_hook_) {
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
    const std::string& name = cmd.name;
    if (name == "connect") return handle_connect(cmd);
    if (!connected_) {
        // The name is quoted short: the reason must survive the log's cap on a value.
        count_command_failure("before_connect");
        close("command '" + util::shorten(name, 64) + "' before connect", true);
        return;
    }
    if (name == "createStream") return handle_create_stream(cmd);
    if (name == "publish") return handle_publish(cmd, stream_id);
    if (name == "play") return handle_play(cmd, stream_id);
    if (name == "deleteStream" || name == "closeStream" || name == "FCUnpublish") {
        if (name != "FCUnpublish") {
            const bool was_active = publishing_ || playing_;
            stop_publishing();
            stop_playing();
            if (was_active) arm_idle_timer();  // connected again, and idle again
        }
        return;
    }
    if (name == "pause") return handle_pause(cmd);
    if (name == "seek") {
        // Live: nothing to seek, but ffmpeg discards everything until this status arrives.
        send_status(stream_id ? stream_id : play_stream_id_, "status", rtmp::status::kSeekNotify,
                    "Seeking is not possible in a live stream.");
        return;
    }
    if (name == "receiveAudio" || name == "receiveVideo") {
        if (auto p = rtmp::read_receive(cmd)) {
            (name == "receiveAudio" ? receive_audio_ : receive_video_) = p->enabled;
            if (name == "receiveVideo" && p->enabled) queue_.wait_for_keyframe();
        }
        return;
    }
    if (name == "getStreamLength") {
        send_command(0, rtmp::result(cmd.transaction_id, {rtmp::amf::Value::null(),
                                                          rtmp::amf::Value::number(0)}));
        return;
    }
    if (name == "_checkbw") {
        send_command(0, rtmp::result(cmd.transaction_id,
                                     {rtmp::amf::Value::null(), rtmp::amf::Value::null()}));
        return;
    }
    if (name == "releaseStream" || name == "FCPublish" || name == "FCSubscribe") {
        if (cmd.transaction_id != 0)
            send_command(0, rtmp::result(cmd.transaction_id, {rtmp::amf::Value::null(),
                                                              rtmp::amf::Value::undefined()}));
        return;
    }
    net::logger().debug("command ignored", {{"session", std::to_string(id_)}, {"command", name}});
}

void Session::handle_connect(const rtmp::Command& cmd) {
    if (connected_) {
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
        std::string why = "bad app or tcUrl (" + std::string(url::errc_name(parsed.error().code)) +
                          ")";
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
    timer_purpose_ = TimerPurpose::None;
    evtimer_del(timer_);
    if (!server_.hooks()) return finish_connect(cmd.transaction_id);
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
    arm_idle_timer();
    send_control(rtmp::MessageType::WindowAckSize, rtmp::window_ack_size_payload(kWindowAckSize));
    send_control(rtmp::MessageType::SetPeerBandwidth,
                 rtmp::set_peer_bandwidth_payload(kWindowAckSize, rtmp::PeerBandwidthLimit::Dynamic));
    send_control(rtmp::MessageType::SetChunkSize,
                 rtmp::set_chunk_size_payload(std::uint32_t(config_->chunk_size)));
    encoder_.set_chunk_size(std::uint32_t(config_->chunk_size));
    send_command(0, rtmp::connect_result(txn, object_encoding_));
    net::logger().info("connected", {{"session", std::to_string(id_)},
                                     {"peer", peer_},
                                     {"app", app_},
                                     {"tcUrl", tc_url_},
                                     {"params", connect_url_.connect_params.to_query()}});
}

void Session::handle_create_stream(const rtmp::Command& cmd) {
    const std::uint32_t id = next_stream_id_++;
    send_command(0, rtmp::create_stream_result(cmd.transaction_id, id));
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

void Session::handle_publish(const rtmp::Command& cmd, std::uint32_t stream_id) {
    auto params = rtmp::read_publish(cmd);
    url::RtmpUrl where;
    if (!params || !split_stream_name(params->name, where)) {
        send_status(stream_id, "error", rtmp::status::kPublishBadName, "Bad stream name.");
        count_command_failure("bad_stream_name");
        close_after_flush("publish refused: bad stream name", true);
        return;
    }
    if (publishing_ || playing_) {
        send_status(stream_id, "error", rtmp::status::kPublishBadName,
                    "This connection already publishes or plays a stream.");
        count_command_failure("session_busy");
        close_after_flush("publish refused: session busy", true);
        return;
    }
    const std::string type = params->type;
    // `told` reaches the client; `logged` (which may name the backend) only the log.
    auto refuse = [this, stream_id](const std::string& told, const std::string& logged) {
        send_status(stream_id, "error", rtmp::status::kPublishDenied,
                    told.empty() ? "Publishing refused." : told);
        count_command_failure("publish_refused");
        close_after_flush("publish refused by hook: " + logged, false);
    };
    authorize_deferred_connect(where, [this, where, stream_id, type, refuse] {
        publish_media_session_id_ = hook_uuid();
        hook::StreamInfo info = stream_info(where.stream, true, "NEW", where.stream_params);
        info.record = recording_wanted(*config_, where.stream_params);  // before the answer
        const bool record = info.record;
        authorize(hook::method::kPublishStream, hook::stream_payload(info),
                  [this, where, stream_id, type, refuse, record](const hook::Decision& d) {
                      if (!d.allowed) return refuse(d.client_reason, d.reason);
                      std::string name = where.stream, why;
                      if (!apply_overwritten_name(d.overwritten_fields, d.wrong_type_fields, name, why))
                          return refuse("Stream name refused by the server.", why);
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
    Stream* existing = server_.find_stream(app_, name);
    if (existing && existing->has_publisher()) {
        if (config_->publish_conflict == PublishConflict::Replace) {
            // The old publisher lets go now (its stream may be released if nobody plays it).
            if (Session* old = server_.publisher_of(*existing)) old->replaced();
        } else {
            send_status(stream_id, "error", rtmp::status::kPublishBadName,
                        "Stream " + where.stream + " is already being published.");
            count_command_failure("already_published");
            close_after_flush("publish refused: " + existing->key() + " already published", true);
            return;
        }
    }
    cancel_idle_timer();
    Stream& stream = server_.stream(app_, name);
    publishing_ = &stream;
    publish_stream_id_ = stream_id;
    publish_name_ = name;
    publish_params_ = where.stream_params;
    publishing_event_sent_ = false;
    stream.start_publishing(this);
    stream.set_published_since(server_.now_ms());
    server_.set_publisher(stream, this);
    send_user_control(rtmp::UserControlEvent::StreamBegin, stream_id);
    // Descriptions name the stream as the client did: a backend's overwritten name is internal.
    send_status(stream_id, "status", rtmp::status::kPublishStart,
                where.stream + " is now published.");
    const long long idle = config_->idle_publisher_timeout.count();
    const long long wt = config_->write_timeout.count();
    timeval tv = net::to_timeval(idle);
    timeval wtv = net::to_timeval(wt);
    bufferevent_set_timeouts(bev_, idle > 0 ? &tv : nullptr, wt > 0 ? &wtv : nullptr);
    net::logger().info("publish", {{"session", std::to_string(id_)},
                                   {"peer", peer_},
                                   {"stream", stream.key()},
                                   {"type", type},
                                   {"params", where.stream_params.to_query()}});
    server_.recordings().publication_started(stream, publish_media_session_id_, publish_record_);
}

void Session::handle_play(const rtmp::Command& cmd, std::uint32_t stream_id) {
    auto params = rtmp::read_play(cmd);
    url::RtmpUrl where;
    if (!config_->rtmp_server_enabled) {
        send_status(stream_id, "error", "NetStream.Play.Failed",
                    "Playback over RTMP is disabled on this server (rtmp_server_enabled: false).");
        count_command_failure("play_disabled");
        close_after_flush("play refused: rtmp_server_enabled is false", false);
        return;
    }
    if (!params || !split_stream_name(params->name, where)) {
        send_status(stream_id, "error", rtmp::status::kPlayStreamNotFound, "Bad stream name.");
        count_command_failure("bad_stream_name");
        close_after_flush("play refused: bad stream name", true);
        return;
    }
    if (publishing_ || playing_) {
        send_status(stream_id, "error", "NetStream.Play.Failed",
                    "This connection already publishes or plays a stream.");
        count_command_failure("session_busy");
        close_after_flush("play refused: session busy", true);
        return;
    }
    auto refuse = [this, stream_id](const std::string& told, const std::string& logged) {
        send_status(stream_id, "error", "NetStream.Play.Failed",
                    told.empty() ? "Playing refused." : told);
        count_command_failure("play_refused");
        close_after_flush("play refused by hook: " + logged, false);
    };
    authorize_deferred_connect(where, [this, where, stream_id, refuse] {
        hook::StreamInfo info = stream_info(where.stream, false, "NEW", where.stream_params);
        authorize(hook::method::kPlayStream, hook::stream_payload(info),
                  [this, where, stream_id, refuse](const hook::Decision& d) {
                      if (!d.allowed) return refuse(d.client_reason, d.reason);
                      std::string name = where.stream, why;
                      if (!apply_overwritten_name(d.overwritten_fields, d.wrong_type_fields, name, why))
                          return refuse("Stream name refused by the server.", why);
                      start_play(where, name, stream_id);
                  });
    }, refuse);
}

void Session::start_play(const url::RtmpUrl& where, std::string name, std::uint32_t stream_id) {
    suppress_sound_ = is_true(where.connect_params.get("suppress_sound")) ||
                      is_true(where.stream_params.get("suppress_sound")) ||
                      is_true(connect_url_.connect_params.get("suppress_sound"));
    cancel_idle_timer();
    Stream& stream = server_.stream(app_, name);
    playing_ = &stream;
    play_stream_id_ = stream_id;
    play_name_ = name;
    play_params_ = where.stream_params;
    queue_.wait_for_keyframe();
    enter_player_output();

    send_user_control(rtmp::UserControlEvent::StreamBegin, stream_id);
    send_status(stream_id, "status", rtmp::status::kPlayReset,
                "Playing and resetting " + where.stream + ".");
    send_status(stream_id, "status", rtmp::status::kPlayStart,
                "Started playing " + where.stream + ".");
    send(rtmp::csid::kData, std::uint8_t(rtmp::MessageType::DataAmf0), stream_id,
         rtmp::sample_access(true, true));
    stream.add_player(this);
    net::logger().info("play", {{"session", std::to_string(id_)},
                                {"peer", peer_},
                                {"stream", stream.key()},
                                {"params", where.stream_params.to_query()},
                                {"suppress_sound", suppress_sound_ ? "true" : "false"},
                                {"waiting", stream.has_publisher() ? "no" : "yes"}});
    if (server_.hooks()) {
        hook::StreamInfo info = stream_info(name, false, "PLAYING", play_params_);
        fill_facts(info, stream);
        notify(hook::method::kStreamStatusEvent, hook::stream_payload(info));
    }
    if (stream.has_publisher()) {
        start_replay();
        write_now();  // a new player's first picture is never held back by write_coalesce
    } else {
        const long long wait = config_->play_wait_timeout.count();
        if (wait > 0) {
            timer_purpose_ = TimerPurpose::PlayWait;
            arm_timer(wait);
        }
    }
}

void Session::handle_pause(const rtmp::Command& cmd) {
    auto p = rtmp::read_pause(cmd);
    if (!p || !playing_) return;
    const bool was_paused = paused_;
    paused_ = p->pause;
    if (paused_) {
        send_status(play_stream_id_, "status", rtmp::status::kPauseNotify, "Paused live stream.");
        send_user_control(rtmp::UserControlEvent::StreamEOF, play_stream_id_);
    } else {
        send_status(play_stream_id_, "status", rtmp::status::kUnpauseNotify, "Unpaused live stream.");
        send_user_control(rtmp::UserControlEvent::StreamBegin, play_stream_id_);
        // Only a pause stopped the media: an unpause without one has nothing to catch up on.
        if (!was_paused || stopped()) return;
        queue_.wait_for_keyframe();
        start_replay();
    }
}

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
                        {"peer", peer_},
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
        const long long now = server_.now_ms();
        if (short_media_dropped_ == 1 || now - short_media_logged_ms_ >= 1000) {
            short_media_logged_ms_ = now;
            net::logger().warn("media too short for its tag header, dropped",
                               {{"session", std::to_string(id_)},
                                {"peer", peer_},
                                {"stream", publishing_->key()},
                                {"type", std::string(rtmp::message_type_name(m.type))},
                                {"size", std::to_string(size)},
                                {"dropped", std::to_string(short_media_dropped_)}});
        }
        return;
    }
    if (!publishing_event_sent_) publishing_event_if_ready();
}

void Session::stop_publishing() {
    if (!publishing_) return;
    Stream* s = publishing_;
    publishing_ = nullptr;
    if (server_.publisher_of(*s) == this) {
        if (server_.hooks()) {
            hook::StreamInfo info = stream_info(publish_name_, true, "UNPUBLISHED", publish_params_);
            fill_facts(info, *s);
            notify(hook::method::kStreamStatusEvent, hook::stream_payload(info));
            notify(hook::method::kUnPublishStream, hook::stream_payload(info));
        }
        server_.recordings().publication_ended(*s);
        server_.set_publisher(*s, nullptr);
        s->stop_publishing();
        server_.publisher_left(*s);
        net::logger().info("unpublish", {{"session", std::to_string(id_)}, {"stream", s->key()}});
    }
    server_.release_if_idle(*s);
}

void Session::stop_playing() {
    if (!playing_) return;
    Stream* s = playing_;
    playing_ = nullptr;
    if (server_.hooks()) {
        hook::StreamInfo info = stream_info(play_name_, false, "STOPPED", play_params_);
        fill_facts(info, *s);
        notify(hook::method::kStreamStatusEvent, hook::stream_payload(info));
        notify(hook::method::kStopStream, hook::stream_payload(info));
    }
    s->remove_player(this);
    server_.release_if_idle(*s);
}

}  // namespace server
