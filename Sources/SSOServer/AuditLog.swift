import Logging
import SSOCore
import SSOStorageSQLite

/// The one place security events go: a line in the log and a row in `security_events`.
/// Recording never fails the request that caused it; a storage failure is logged instead.
struct AuditLog: SecurityEventRecorder {
    let storage: SQLiteStorage
    let logger: Logger

    func record(_ event: SecurityEvent) async {
        logger.info("security event", metadata: [
            "event": "\(event.kind.rawValue)", "user": "\(event.userID ?? "-")", "client": "\(event.clientID ?? "-")",
            "detail": "\(event.detail ?? "-")",
        ])
        do {
            try await storage.appendSecurityEvent(event)
        } catch {
            logger.error("could not store security event", metadata: ["error": "\(error)"])
        }
    }
}
