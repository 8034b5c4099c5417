// The registry of live streams: see registry.h.
#include "server/registry.h"

namespace server {

Stream* Registry::find(const StreamKey& key) {
    auto it = streams_.find(key);
    return it == streams_.end() ? nullptr : it->second.get();
}

const Stream* Registry::find(const StreamKey& key) const {
    auto it = streams_.find(key);
    return it == streams_.end() ? nullptr : it->second.get();
}

Session* Registry::publisher_of(const StreamKey& key) const {
    auto it = publishers_.find(key);
    return it == publishers_.end() ? nullptr : it->second;
}

Stream& Registry::get_or_make(const StreamKey& key, long long now_ms) {
    auto it = streams_.find(key);
    if (it == streams_.end()) {
        it = streams_
                 .emplace(key, std::make_unique<Stream>(key.app, key.name, settings_.chunk_size,
                                                        settings_.gop))
                 .first;
        it->second->sample_bitrate(now_ms);  // the history's starting point
        if (deliver_later) it->second->set_deliver_later(deliver_later);
    }
    return *it->second;
}

Stream& Registry::publish(const StreamKey& key, Session& who, long long now_ms) {
    Stream& stream = get_or_make(key, now_ms);
    publishers_[key] = &who;
    stream.start_publishing();
    stream.set_published_since(now_ms);
    if (on_publish) on_publish(stream);
    return stream;
}

bool Registry::unpublish(Stream& stream, Session& who) {
    auto it = publishers_.find(stream.id());
    if (it == publishers_.end() || it->second != &who) return false;
    publishers_.erase(it);
    stream.stop_publishing();
    if (on_unpublish) on_unpublish(stream);
    return true;
}

Stream& Registry::join(const StreamKey& key, Player& player, long long now_ms) {
    Stream& stream = get_or_make(key, now_ms);
    stream.add_player(&player);
    if (on_join) on_join(stream);
    return stream;
}

void Registry::leave(Stream& stream, Player& player) {
    stream.remove_player(&player);
    release_if_idle(stream);
}

void Registry::release_if_idle(Stream& stream) {
    if (!stream.idle()) return;
    if (on_release) on_release(stream);
    const StreamKey key = stream.id();
    publishers_.erase(key);
    streams_.erase(key);
}

}  // namespace server
