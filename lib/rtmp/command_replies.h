// The command and data messages a server sends back, built as docs/clients.md describes them
// (payloads only: the caller picks the message type 20/18, chunk stream and message stream id).
#pragma once

#include <initializer_list>
#include <string_view>

#include "rtmp/command.h"

namespace rtmp {

// Status codes clients act upon.
namespace status {
constexpr std::string_view kConnectSuccess = "NetConnection.Connect.Success";
constexpr std::string_view kConnectRejected = "NetConnection.Connect.Rejected";
constexpr std::string_view kPublishStart = "NetStream.Publish.Start";
constexpr std::string_view kPublishBadName = "NetStream.Publish.BadName";
constexpr std::string_view kPublishDenied = "NetStream.Publish.Denied";
constexpr std::string_view kUnpublishSuccess = "NetStream.Unpublish.Success";
constexpr std::string_view kPlayReset = "NetStream.Play.Reset";
constexpr std::string_view kPlayStart = "NetStream.Play.Start";
constexpr std::string_view kPlayStop = "NetStream.Play.Stop";
constexpr std::string_view kPlayStreamNotFound = "NetStream.Play.StreamNotFound";
constexpr std::string_view kPlayFailed = "NetStream.Play.Failed";
constexpr std::string_view kPlayUnpublishNotify = "NetStream.Play.UnpublishNotify";
constexpr std::string_view kPlayPublishNotify = "NetStream.Play.PublishNotify";
constexpr std::string_view kPauseNotify = "NetStream.Pause.Notify";
constexpr std::string_view kUnpauseNotify = "NetStream.Unpause.Notify";
constexpr std::string_view kSeekNotify = "NetStream.Seek.Notify";
}  // namespace status

// {level, code, description}: add more keys with Value::set (details, clientid, objectEncoding).
amf::Value status_info(std::string_view level, std::string_view code, std::string_view description);

// onStatus(0, null, info) — send on the message stream the status is about.
util::Bytes on_status(const amf::Value& info);
util::Bytes on_status(std::string_view level, std::string_view code, std::string_view description);

// _result(txn, args...) / _error(txn, args...).
util::Bytes result(double txn, std::initializer_list<amf::Value> args);
util::Bytes error(double txn, std::initializer_list<amf::Value> args);

// _result(txn, {fmsVer, capabilities}, {level:"status", code:NetConnection.Connect.Success,
// description:"Connection succeeded.", objectEncoding}) — objectEncoding echoes the client's.
util::Bytes connect_result(double txn, double object_encoding,
                           std::string_view fms_ver = "FMS/3,0,1,123", double capabilities = 31);
// _error(txn, null, {level:"error", code:NetConnection.Connect.Rejected, description}).
util::Bytes connect_rejected(double txn, std::string_view description);
// _result(txn, null, stream_id): exactly null then a number (GStreamer insists).
util::Bytes create_stream_result(double txn, double stream_id);
// Data message |RtmpSampleAccess(audio, video), sent to players after Play.Start.
util::Bytes sample_access(bool audio = true, bool video = true);

}  // namespace rtmp
