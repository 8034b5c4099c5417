// Opus -> AAC-LC: FFmpeg's native Opus decoder, libswresample when the decoder's output is not
// the encoder's planar float, an AVAudioFifo regrouping 20 ms packets into 1024-sample frames,
// FFmpeg's native AAC encoder. The RTP timestamps, not the decoder, define the timeline.
#include "transcode/opus_to_aac.h"

#include <algorithm>
#include <cstring>
#include <mutex>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

namespace transcode {

const char* to_string(TranscodeErrc code) {
    switch (code) {
        case TranscodeErrc::invalid_argument:
            return "invalid argument";
        case TranscodeErrc::codec_unavailable:
            return "codec unavailable";
        case TranscodeErrc::codec_open_failed:
            return "codec open failed";
        case TranscodeErrc::out_of_memory:
            return "out of memory";
    }
    return "unknown";
}

namespace {

// Frame duration of a TOC byte's configuration (RFC 6716 3.1), in 48 kHz samples.
int toc_frame_samples(std::uint8_t toc) {
    static constexpr int kSilk[] = {480, 960, 1920, 2880};  // 10, 20, 40, 60 ms
    static constexpr int kCelt[] = {120, 240, 480, 960};    // 2.5, 5, 10, 20 ms
    const int config = toc >> 3;
    if (config < 12) return kSilk[config % 4];
    if (config < 16) return config % 2 ? 960 : 480;  // hybrid: 10, 20 ms
    return kCelt[config % 4];
}

// A frame length of code 2/3 packets (RFC 6716 3.2.1): one byte, or two when the first >= 252.
bool read_frame_length(util::Reader& r, std::size_t& len) {
    std::uint8_t b0 = 0, b1 = 0;
    if (!r.u8(b0)) return false;
    if (b0 < 252) {
        len = b0;
        return true;
    }
    if (!r.u8(b1)) return false;
    len = std::size_t(b0) + 4 * std::size_t(b1);
    return true;
}

constexpr std::size_t kMaxFrameBytes = 1275;  // RFC 6716 R2
constexpr int kMaxPacketSamples = 5760;       // 120 ms, RFC 6716 R5
constexpr int kDefaultConceal = 960;          // 20 ms: what browsers send, when no TOC byte

template <class T, void (*Free)(T**)>
struct AvDeleter {
    void operator()(T* p) const { Free(&p); }
};
using CodecCtx = std::unique_ptr<AVCodecContext, AvDeleter<AVCodecContext, avcodec_free_context>>;
using Frame = std::unique_ptr<AVFrame, AvDeleter<AVFrame, av_frame_free>>;
using Packet = std::unique_ptr<AVPacket, AvDeleter<AVPacket, av_packet_free>>;
using Swr = std::unique_ptr<SwrContext, AvDeleter<SwrContext, swr_free>>;
struct FifoDeleter {
    void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};
using Fifo = std::unique_ptr<AVAudioFifo, FifoDeleter>;

}  // namespace

int opus_packet_samples(util::ByteView packet) {
    util::Reader r(packet);
    std::uint8_t toc = 0;
    if (!r.u8(toc)) return 0;  // R1: at least one byte
    const int frame = toc_frame_samples(toc);
    switch (toc & 3) {
        case 0:  // one frame
            return r.remaining() <= kMaxFrameBytes ? frame : 0;
        case 1:  // two frames of equal size
            return r.remaining() % 2 == 0 && r.remaining() / 2 <= kMaxFrameBytes ? 2 * frame : 0;
        case 2: {  // two frames, the first's length coded
            std::size_t len = 0;
            if (!read_frame_length(r, len) || len > kMaxFrameBytes || len > r.remaining()) return 0;
            return r.remaining() - len <= kMaxFrameBytes ? 2 * frame : 0;
        }
        default: {  // code 3: M frames, CBR or VBR, optional padding
            std::uint8_t fc = 0;
            if (!r.u8(fc)) return 0;
            const int count = fc & 0x3f;
            if (count == 0 || count * frame > kMaxPacketSamples) return 0;  // R5
            std::size_t padding = 0;
            if (fc & 0x40) {
                std::uint8_t p = 0;
                do {
                    if (!r.u8(p)) return 0;
                    padding += p == 255 ? 254 : p;
                } while (p == 255);
            }
            if (padding > r.remaining()) return 0;
            std::size_t data = r.remaining() - padding;
            if (!(fc & 0x80)) {  // CBR: equal frames
                if (data % count != 0 || data / count > kMaxFrameBytes) return 0;
                return count * frame;
            }
            // VBR: count - 1 coded lengths, the last frame takes the rest.
            for (int i = 0; i < count - 1; ++i) {
                const std::size_t before = r.remaining();
                std::size_t len = 0;
                if (!read_frame_length(r, len) || len > kMaxFrameBytes) return 0;
                const std::size_t header = before - r.remaining();
                if (header + len > data) return 0;
                data -= header + len;
            }
            return data <= kMaxFrameBytes ? count * frame : 0;
        }
    }
}

struct OpusToAac::Impl {
    OpusToAacOptions opt;
    const AVCodec* decoder_codec = nullptr;
    const AVCodec* encoder_codec = nullptr;
    CodecCtx dec;
    CodecCtx enc;  // null between timelines: an AAC encoder cannot restart after its drain
    Fifo fifo;
    Frame dec_frame, enc_frame;
    Packet pkt;
    Swr swr;
    // The input format swr was built for; rebuilt when the decoder's output changes.
    int swr_format = -1, swr_rate = 0;
    AVChannelLayout swr_layout{};
    uint8_t* conv[AV_NUM_DATA_POINTERS] = {};
    int conv_capacity = 0;
    std::vector<float> zeros = std::vector<float>(kAacFrameSamples, 0.0f);
    util::Bytes asc;
    int delay = 0;
    TranscodeStats stats;
    bool started = false, broken = false;
    std::int64_t base = 0;         // first input timestamp of the current timeline
    std::int64_t expected = 0;     // timestamp the next packet should carry
    std::int64_t next_in_pts = 0;  // samples handed to the encoder, relative to base

    ~Impl() {
        av_channel_layout_uninit(&swr_layout);
        if (conv[0]) av_freep(&conv[0]);
    }

    util::Result<bool, TranscodeErrc> open_decoder();
    util::Result<bool, TranscodeErrc> open_encoder();
    bool start(std::int64_t ts);
    void finish(std::vector<AacFrame>& out);
    bool feed(const uint8_t* const* planes, int n, std::vector<AacFrame>& out);
    bool feed_silence(std::int64_t n, std::vector<AacFrame>& out);
    bool encode_frame(const AVFrame* frame, std::vector<AacFrame>& out);
    bool feed_decoded(const AVFrame* f, int budget, int& written, std::vector<AacFrame>& out);
    int decode(util::ByteView payload, int duration, bool& error, std::vector<AacFrame>& out);
};

util::Result<bool, TranscodeErrc> OpusToAac::Impl::open_decoder() {
    dec.reset(avcodec_alloc_context3(decoder_codec));
    if (!dec) return util::Error<TranscodeErrc>{TranscodeErrc::out_of_memory, "opus decoder"};
    dec->sample_rate = kSampleRate;
    av_channel_layout_default(&dec->ch_layout, opt.channels);
    // An OpusHead (RFC 7845 5.1) with pre-skip 0: RTP Opus has no pre-skip, and without it the
    // decoder would drop samples the RTP timestamps count. Decoding to the output channel count
    // lets Opus itself mix mono/stereo packets (no swr downmix gain).
    static constexpr int kHead = 19;
    dec->extradata = static_cast<uint8_t*>(av_mallocz(kHead + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!dec->extradata) return util::Error<TranscodeErrc>{TranscodeErrc::out_of_memory, "head"};
    dec->extradata_size = kHead;
    std::memcpy(dec->extradata, "OpusHead", 8);
    dec->extradata[8] = 1;  // version
    dec->extradata[9] = std::uint8_t(opt.channels);
    util::put_le32(dec->extradata + 12, kSampleRate);  // pre-skip (10..11), gain, mapping: 0
    if (avcodec_open2(dec.get(), decoder_codec, nullptr) < 0)
        return util::Error<TranscodeErrc>{TranscodeErrc::codec_open_failed, "opus decoder"};
    return true;
}

util::Result<bool, TranscodeErrc> OpusToAac::Impl::open_encoder() {
    enc.reset(avcodec_alloc_context3(encoder_codec));
    if (!enc) return util::Error<TranscodeErrc>{TranscodeErrc::out_of_memory, "aac encoder"};
    enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
    enc->sample_rate = kSampleRate;
    av_channel_layout_default(&enc->ch_layout, opt.channels);
    enc->bit_rate = opt.aac_bitrate;
    enc->profile = FF_PROFILE_AAC_LOW;
    enc->time_base = AVRational{1, kSampleRate};
    if (avcodec_open2(enc.get(), encoder_codec, nullptr) < 0 ||
        enc->frame_size != kAacFrameSamples || !enc->extradata || enc->extradata_size < 2)
        return util::Error<TranscodeErrc>{TranscodeErrc::codec_open_failed, "aac encoder"};
    delay = enc->initial_padding;
    asc.assign(enc->extradata, enc->extradata + enc->extradata_size);
    return true;
}

bool OpusToAac::Impl::start(std::int64_t ts) {
    if (!enc && !open_encoder().ok()) {
        ++stats.internal_errors;
        broken = true;
        return false;
    }
    started = true;
    base = expected = ts;
    next_in_pts = 0;
    return true;
}

bool OpusToAac::Impl::encode_frame(const AVFrame* frame, std::vector<AacFrame>& out) {
    if (avcodec_send_frame(enc.get(), frame) < 0) {
        ++stats.internal_errors;
        return false;
    }
    for (;;) {
        const int ret = avcodec_receive_packet(enc.get(), pkt.get());
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return true;
        if (ret < 0) {
            ++stats.internal_errors;
            return false;
        }
        // The encoder's pts is the input frame's minus its priming: see AacFrame.
        out.push_back(AacFrame{base + pkt->pts, util::Bytes(pkt->data, pkt->data + pkt->size)});
        ++stats.frames_out;
        av_packet_unref(pkt.get());
    }
}

// Queues n samples (planar float, output channels) and encodes each frame as it completes, so
// the fifo never holds more than one frame.
bool OpusToAac::Impl::feed(const uint8_t* const* planes, int n, std::vector<AacFrame>& out) {
    int done = 0;
    while (done < n) {
        const int k = std::min(n - done, kAacFrameSamples - av_audio_fifo_size(fifo.get()));
        void* at[2];
        for (int c = 0; c < opt.channels; ++c)
            at[c] = const_cast<uint8_t*>(planes[c]) + std::size_t(done) * sizeof(float);
        if (av_audio_fifo_write(fifo.get(), at, k) != k) {
            ++stats.internal_errors;
            return false;
        }
        done += k;
        if (av_audio_fifo_size(fifo.get()) < kAacFrameSamples) continue;
        if (av_frame_make_writable(enc_frame.get()) < 0 ||
            av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>(enc_frame->data),
                               kAacFrameSamples) != kAacFrameSamples) {
            ++stats.internal_errors;
            return false;
        }
        enc_frame->pts = next_in_pts;
        next_in_pts += kAacFrameSamples;
        if (!encode_frame(enc_frame.get(), out)) return false;
    }
    return true;
}

bool OpusToAac::Impl::feed_silence(std::int64_t n, std::vector<AacFrame>& out) {
    const uint8_t* z[2] = {reinterpret_cast<const uint8_t*>(zeros.data()),
                           reinterpret_cast<const uint8_t*>(zeros.data())};
    stats.silence_samples += std::uint64_t(n);
    while (n > 0) {  // in frame-sized pieces: the zero buffer holds one frame
        const int k = int(std::min<std::int64_t>(n, kAacFrameSamples));
        if (!feed(z, k, out)) return false;
        n -= k;
    }
    return true;
}

// Feeds at most budget samples of a decoded frame, converting it to planar float with the
// output layout first when the decoder produced anything else.
bool OpusToAac::Impl::feed_decoded(const AVFrame* f, int budget, int& written,
                                   std::vector<AacFrame>& out) {
    if (f->format == AV_SAMPLE_FMT_FLTP && f->sample_rate == kSampleRate &&
        f->ch_layout.nb_channels == opt.channels) {
        const int n = std::min(f->nb_samples, budget);
        written += n;
        return feed(f->extended_data, n, out);
    }
    if (!swr || swr_format != f->format || swr_rate != f->sample_rate ||
        av_channel_layout_compare(&swr_layout, &f->ch_layout) != 0) {
        SwrContext* s = nullptr;
        AVChannelLayout out_layout{};
        av_channel_layout_default(&out_layout, opt.channels);
        // FFmpeg 5.1 declares the layouts non-const; it only reads them.
        const int ret = swr_alloc_set_opts2(&s, &out_layout, AV_SAMPLE_FMT_FLTP, kSampleRate,
                                            const_cast<AVChannelLayout*>(&f->ch_layout),
                                            AVSampleFormat(f->format), f->sample_rate, 0, nullptr);
        av_channel_layout_uninit(&out_layout);
        swr.reset(s);
        if (ret < 0 || swr_init(swr.get()) < 0) {
            swr.reset();
            ++stats.internal_errors;
            return false;
        }
        swr_format = f->format;
        swr_rate = f->sample_rate;
        av_channel_layout_uninit(&swr_layout);
        av_channel_layout_copy(&swr_layout, &f->ch_layout);
    }
    const int need = swr_get_out_samples(swr.get(), f->nb_samples);
    if (need > kMaxPacketSamples * 2) {  // a decoder never makes that much from 1500 bytes
        ++stats.internal_errors;
        return false;
    }
    if (need > conv_capacity) {
        if (conv[0]) av_freep(&conv[0]);
        conv_capacity = 0;
        if (av_samples_alloc(conv, nullptr, opt.channels, need, AV_SAMPLE_FMT_FLTP, 0) < 0) {
            ++stats.internal_errors;
            return false;
        }
        conv_capacity = need;
    }
    const int got = swr_convert(swr.get(), conv, conv_capacity,
                                const_cast<const uint8_t**>(f->extended_data), f->nb_samples);
    if (got < 0) {
        ++stats.internal_errors;
        return false;
    }
    const int n = std::min(got, budget);
    written += n;
    return feed(conv, n, out);
}

// Decodes one packet into the fifo; returns samples written (at most duration). error is set
// when the decoder rejected the packet.
int OpusToAac::Impl::decode(util::ByteView payload, int duration, bool& error,
                            std::vector<AacFrame>& out) {
    error = false;
    if (av_new_packet(pkt.get(), int(payload.size())) < 0) {
        error = true;
        return 0;
    }
    std::memcpy(pkt->data, payload.data(), payload.size());
    int ret = avcodec_send_packet(dec.get(), pkt.get());
    av_packet_unref(pkt.get());
    if (ret < 0) error = true;
    int written = 0;
    while ((ret = avcodec_receive_frame(dec.get(), dec_frame.get())) == 0) {
        const bool ok = feed_decoded(dec_frame.get(), duration - written, written, out);
        av_frame_unref(dec_frame.get());
        if (!ok) break;
    }
    if (ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) error = true;
    return written;
}

void OpusToAac::Impl::finish(std::vector<AacFrame>& out) {
    if (!started) return;
    started = false;
    const int partial = av_audio_fifo_size(fifo.get());
    bool ok = partial == 0 || feed_silence(kAacFrameSamples - partial, out);
    if (ok) ok = encode_frame(nullptr, out);  // drain the encoder's delayed frames
    (void)ok;                                 // failures are counted; the next timeline reopens
    enc.reset();
    av_audio_fifo_reset(fifo.get());
    avcodec_flush_buffers(dec.get());
}

OpusToAac::OpusToAac(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OpusToAac::~OpusToAac() = default;

util::Result<std::unique_ptr<OpusToAac>, TranscodeErrc> OpusToAac::make(int channels,
                                                                        int aac_bitrate) {
    OpusToAacOptions o;
    o.channels = channels;
    o.aac_bitrate = aac_bitrate;
    return make(o);
}

util::Result<std::unique_ptr<OpusToAac>, TranscodeErrc> OpusToAac::make(
    const OpusToAacOptions& options) {
    using E = util::Error<TranscodeErrc>;
    // FFmpeg logs to stderr on its own (a browser's bad packet, the encoder's summary at
    // close); what matters is counted in stats() and logged by the server.
    static std::once_flag quiet;
    std::call_once(quiet, [] { av_log_set_level(AV_LOG_QUIET); });
    if (options.channels < 1 || options.channels > 2)
        return E{TranscodeErrc::invalid_argument, "channels must be 1 or 2"};
    if (options.aac_bitrate < 8000 || options.aac_bitrate > 512000)
        return E{TranscodeErrc::invalid_argument, "aac bitrate must be 8000..512000"};
    auto impl = std::make_unique<Impl>();
    impl->opt = options;
    impl->decoder_codec = options.opus_decoder ? avcodec_find_decoder_by_name(options.opus_decoder)
                                               : avcodec_find_decoder(AV_CODEC_ID_OPUS);
    impl->encoder_codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!impl->decoder_codec || impl->decoder_codec->id != AV_CODEC_ID_OPUS)
        return E{TranscodeErrc::codec_unavailable, "no Opus decoder"};
    if (!impl->encoder_codec) return E{TranscodeErrc::codec_unavailable, "no AAC encoder"};
    if (auto r = impl->open_decoder(); !r) return r.error();
    if (auto r = impl->open_encoder(); !r) return r.error();
    impl->fifo.reset(av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, options.channels, kAacFrameSamples));
    impl->dec_frame.reset(av_frame_alloc());
    impl->enc_frame.reset(av_frame_alloc());
    impl->pkt.reset(av_packet_alloc());
    if (!impl->fifo || !impl->dec_frame || !impl->enc_frame || !impl->pkt)
        return E{TranscodeErrc::out_of_memory, "buffers"};
    AVFrame* f = impl->enc_frame.get();
    f->format = AV_SAMPLE_FMT_FLTP;
    f->sample_rate = kSampleRate;
    f->nb_samples = kAacFrameSamples;
    av_channel_layout_default(&f->ch_layout, options.channels);
    if (av_frame_get_buffer(f, 0) < 0) return E{TranscodeErrc::out_of_memory, "frame"};
    return std::unique_ptr<OpusToAac>(new OpusToAac(std::move(impl)));
}

util::Bytes OpusToAac::audio_specific_config() const { return impl_->asc; }
int OpusToAac::channels() const { return impl_->opt.channels; }
int OpusToAac::encoder_delay() const { return impl_->delay; }
const TranscodeStats& OpusToAac::stats() const { return impl_->stats; }

PushOutcome OpusToAac::push(util::ByteView opus_payload, std::int64_t rtp_timestamp,
                            std::vector<AacFrame>& out) {
    Impl& m = *impl_;
    ++m.stats.packets_in;
    if (opus_payload.size() > kMaxOpusPayload) {
        ++m.stats.rejected_oversize;
        return PushOutcome::rejected_oversize;
    }
    if (m.broken) return PushOutcome::failed;
    if (!m.started) {
        if (!m.start(rtp_timestamp)) return PushOutcome::failed;
    } else {
        const std::int64_t gap = rtp_timestamp - m.expected;
        if (gap > kMaxGapSamples || gap < -kMaxGapSamples) {
            // Filling that much silence would be a huge burst of frames; a far-back jump is a
            // restarted sender, not a late packet. Either way a new timeline begins here.
            m.finish(out);
            ++m.stats.restarts;
            if (!m.start(rtp_timestamp)) return PushOutcome::failed;
        } else if (gap < 0) {
            ++m.stats.dropped_late;
            return PushOutcome::dropped_late;
        } else if (gap > 0 && !m.feed_silence(gap, out)) {
            return PushOutcome::failed;
        }
    }
    const int duration = opus_packet_samples(opus_payload);
    if (duration == 0) {
        // Malformed framing: conceal one frame of the TOC's size, never more than the packet
        // can have held, so the next good packet is not mistaken for a late one.
        const int conceal =
            opus_payload.empty() ? kDefaultConceal : toc_frame_samples(opus_payload[0]);
        ++m.stats.decode_errors;
        m.expected = rtp_timestamp + conceal;
        return m.feed_silence(conceal, out) ? PushOutcome::concealed : PushOutcome::failed;
    }
    bool error = false;
    const int written = m.decode(opus_payload, duration, error, out);
    m.expected = rtp_timestamp + duration;
    // Whatever the decoder did not produce becomes silence, keeping the timeline exact.
    if (written < duration && !m.feed_silence(duration - written, out)) return PushOutcome::failed;
    if (error && written == 0) {
        ++m.stats.decode_errors;
        return PushOutcome::concealed;
    }
    ++m.stats.packets_decoded;
    return PushOutcome::decoded;
}

void OpusToAac::flush(std::vector<AacFrame>& out) {
    if (!impl_->broken) impl_->finish(out);
}

}  // namespace transcode
