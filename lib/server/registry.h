// Who publishes what and who plays it: the one place that decides. Streams are keyed by a
// structured (app, name) value; publishing and unpublishing are one call each. Sans-IO: the
// server's glue reacts to what it reports (a publication that ended, a stream released).
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "server/stream.h"
#include "server/stream_key.h"

namespace server {

class Session;

// How the registry makes new streams.
struct StreamSettings {
    std::uint32_t chunk_size = 4096;
    GopLimits gop;
};

class Registry {
public:
    explicit Registry(StreamSettings settings) : settings_(settings) {}

    // SIGHUP: streams made from now on use these.
    void set_settings(StreamSettings settings) { settings_ = settings; }

    Stream* find(const StreamKey& key);
    const Stream* find(const StreamKey& key) const;
    // The session that publishes `key`, if any.
    Session* publisher_of(const StreamKey& key) const;

    // `who` publishes `key` from now on (the caller resolved any conflict: there is no other
    // publisher). The stream is made when new.
    Stream& publish(const StreamKey& key, Session& who, long long now_ms);
    // `who` stops publishing `stream`; false (and nothing done) when it was not its publisher.
    // The stream is released when nothing holds it any more.
    bool unpublish(Stream& stream, Session& who);

    // `player` plays `key` (made when new, waiting for a publisher).
    Stream& join(const StreamKey& key, Player& player, long long now_ms);
    void leave(Stream& stream, Player& player);

    // A stream is dropped once it has no publisher, no player and no recorder.
    void release_if_idle(Stream& stream);

    const std::map<StreamKey, std::unique_ptr<Stream>>& streams() const { return streams_; }

    // What the glue reacts to: a publisher arrived (after its stream's players were told), one
    // left (after they were kept: the server tells them later, unpublish_notify_delay), and a
    // stream is about to be dropped (the server keeps its counters).
    std::function<void(Stream&)> on_publish;
    std::function<void(Stream&)> on_unpublish;
    std::function<void(Stream&)> on_release;
    // A player joined.
    std::function<void(Stream&)> on_join;
    // Given to every stream made from now on (Stream::set_deliver_later): the glue's batching
    // of the fan-out. Unset, streams deliver each message at once.
    std::function<void(Stream&)> deliver_later;

private:
    Stream& get_or_make(const StreamKey& key, long long now_ms);

    StreamSettings settings_;
    std::map<StreamKey, std::unique_ptr<Stream>> streams_;
    std::map<StreamKey, Session*> publishers_;
};

}  // namespace server
