// Chunk header tracing; see chunk_trace.h.
#include "probe/chunk_trace.h"

#include <algorithm>

#include "rtmp/message.h"

namespace probe {

std::string describe(const ChunkTrace& t) {
    std::string s = "chunk fmt=" + std::to_string(t.fmt) + " csid=" + std::to_string(t.csid);
    if (t.fmt < 3)
        s += (t.fmt == 0 ? " ts=" : " delta=") + std::to_string(t.timestamp_field);
    if (t.extended) s += " ext";
    s += " -> ts=" + std::to_string(t.timestamp) + " len=" + std::to_string(t.length) +
         " type=" + std::to_string(t.type) + "(" + std::string(rtmp::message_type_name(t.type)) +
         ") msid=" + std::to_string(t.stream_id) + " payload=" + std::to_string(t.chunk_payload);
    if (!t.first_chunk) s += " (continuation)";
    return s;
}

void ChunkTracer::feed(util::ByteView in, const Handler& on_chunk) {
    std::size_t pos = 0;
    while (!failed_ && pos < in.size()) {
        if (chunk_left_ > 0) {
            std::uint32_t n = std::uint32_t(std::min<std::size_t>(chunk_left_, in.size() - pos));
            Stream& st = *current_;
            if (st.type == 1 && st.small.size() < 4)
                st.small.insert(st.small.end(), in.begin() + pos,
                                in.begin() + pos + std::min<std::size_t>(n, 4 - st.small.size()));
            pos += n;
            chunk_left_ -= n;
            st.left -= n;
            if (st.left == 0 && st.type == 1 && st.small.size() == 4) {
                std::uint32_t size = util::read_be32(st.small.data()) & 0x7FFFFFFF;
                if (size > 0) chunk_size_ = size;
            }
            continue;
        }
        hdr_.push_back(in[pos++]);
        if (!parse_header(on_chunk) && hdr_.size() > 18) failed_ = true;
    }
}

bool ChunkTracer::parse_header(const Handler& on_chunk) {
    std::size_t need = 1;
    unsigned fmt = hdr_[0] >> 6;
    std::uint32_t csid = hdr_[0] & 63;
    if (csid == 0) need = 2;
    if (csid == 1) need = 3;
    if (hdr_.size() < need) return false;
    if (csid == 0) csid = 64 + hdr_[1];
    else if (csid == 1) csid = 64 + hdr_[1] + 256u * hdr_[2];
    static const std::size_t kSizes[] = {11, 7, 3, 0};
    std::size_t base = need;
    need += kSizes[fmt];
    if (hdr_.size() < need) return false;
    const std::uint8_t* p = hdr_.data() + base;
    Stream& st = streams_[csid];
    if (fmt != 0 && !st.known) {
        failed_ = true;
        return true;
    }
    ChunkTrace t;
    t.fmt = fmt;
    t.csid = csid;
    std::uint32_t field = fmt < 3 ? util::read_be24(p) : 0;
    bool extended = fmt < 3 ? field == 0xFFFFFF : st.extended;
    if (extended) {
        if (hdr_.size() < need + 4) return false;
        field = fmt < 3 ? util::read_be32(hdr_.data() + need) : field;
        if (fmt == 3) field = util::read_be32(hdr_.data() + need);
    }
    bool new_message = fmt < 3 || st.left == 0;
    if (fmt <= 1) {
        st.length = util::read_be24(p + 3);
        st.type = p[6];
    }
    if (fmt == 0) {
        st.stream_id = util::read_le32(p + 7);
        st.timestamp = field;
        st.delta = 0;
    } else if (fmt < 3) {
        st.delta = field;
        st.timestamp += field;
    } else if (new_message) {
        st.timestamp += st.delta;
    }
    if (fmt < 3) st.extended = extended;
    st.known = true;
    if (new_message) {
        st.left = st.length;
        st.small.clear();
    }
    t.timestamp_field = fmt < 3 ? field : 0;
    t.timestamp = st.timestamp;
    t.extended = extended;
    t.length = st.length;
    t.type = st.type;
    t.stream_id = st.stream_id;
    t.chunk_payload = std::min(st.left, chunk_size_);
    t.first_chunk = new_message;
    hdr_.clear();
    current_ = &st;
    chunk_left_ = t.chunk_payload;
    on_chunk(t);
    if (st.left == 0) current_ = nullptr;  // an empty message
    return true;
}

}  // namespace probe
