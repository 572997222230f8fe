import Logging
import SSOCore

/// The one place security events go: a line in the log and a row in `security_events`.
/// Recording never fails the request that caused it; a storage failure is logged instead.
struct AuditLog: SecurityEventRecorder {
    let storage: any SecurityEventStore
    let logger: Logger

    func record(_ event: SecurityEvent) async {
        var fields: Logger.Metadata = ["event": .string(event.kind.rawValue)]
        if let user = event.userID { fields["user_id"] = .string(user) }
        if let client = event.clientID { fields["client_id"] = .string(client) }
        if let detail = event.detail { fields["detail"] = .string(detail) }
        logger.info("security event", metadata: fields)
        do {
            try await storage.appendSecurityEvent(event)
        } catch {
            logger.error("could not store security event", metadata: ["error": "\(error)"])
        }
    }
}
