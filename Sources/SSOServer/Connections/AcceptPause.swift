import Foundation
import Logging
import NIOCore

/// Stops accepting for a moment when the process has no file descriptor left (EMFILE, ENFILE)
/// or the kernel no memory for a socket (ENOBUFS, ENOMEM), on the listening channel; the
/// connections already open are served meanwhile, and accepting resumes by itself.
///
/// NIO's `AcceptBackoffHandler`, which its server bootstrap installs, does not stop the spin:
/// it delays the listening channel's next `read`, but when the very first `accept` of a read
/// fails the read stays pending, so the socket stays registered for readability, and with a
/// connection waiting in the backlog epoll reports it again at once: a loop of failing
/// `accept`s at 100% CPU until a descriptor frees up. Turning `autoRead` off drops the read
/// and the registration; turning it back on after `pause` registers the socket again.
///
/// Installed first in the listening channel's pipeline, so that it sees the errors before NIO's
/// handler does (they are not passed on: NIO's handler would add its own one-second delay).
final class AcceptPause: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    static let resourceErrors: Set<CInt> = [EMFILE, ENFILE, ENOBUFS, ENOMEM]

    private let pause: TimeAmount
    private let logger: Logger
    private let onPause: @Sendable () -> Void
    private var resumption: Scheduled<Void>?
    /// When the current run of pauses began, and how many there have been in it.
    private var pausedSince: NIODeadline?
    private var pauses = 0

    init(pause: TimeAmount = .milliseconds(100), logger: Logger, onPause: @escaping @Sendable () -> Void = {}) {
        self.pause = pause
        self.logger = logger
        self.onPause = onPause
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, Self.resourceErrors.contains(error.errnoCode) else {
            context.fireErrorCaught(error)
            return
        }
        onPause()
        pauses += 1
        if pausedSince == nil {
            pausedSince = .now()
            logger.warning("Accepting paused: no file descriptor or socket memory is free", metadata: [
                "error": "\(error)", "pause_ms": "\(pause.nanoseconds / 1_000_000)",
            ])
        }
        guard resumption == nil else { return }
        setAutoRead(false, context)
        resumption = context.eventLoop.assumeIsolated().scheduleTask(in: pause) { [self] in
            resumption = nil
            setAutoRead(true, context)
        }
    }

    /// A connection was accepted: a run of pauses, if any, has ended.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let since = pausedSince {
            logger.notice("Accepting again", metadata: [
                "paused_ms": "\((NIODeadline.now() - since).nanoseconds / 1_000_000)", "pauses": "\(pauses)",
            ])
            pausedSince = nil
            pauses = 0
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        resumption?.cancel()
        resumption = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let resumption {
            resumption.cancel()
            self.resumption = nil
            setAutoRead(true, context)
        }
    }

    private func setAutoRead(_ on: Bool, _ context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        if let options = context.channel.syncOptions {
            try? options.setOption(ChannelOptions.autoRead, value: on)
        } else {
            _ = context.channel.setOption(ChannelOptions.autoRead, value: on)
        }
    }
}

@available(*, unavailable)
extension AcceptPause: Sendable {}
