import Logging

extension LogEvent {
    /// The fields of one log line, for both of our handlers: the logger's metadata, then the
    /// metadata provider's, then the event's own (a later one wins a name), and the error's
    /// message and type when the event carries one.
    public func fields(logger metadata: Logger.Metadata, provider: Logger.MetadataProvider?) -> Logger.Metadata {
        var fields = metadata
        if let provided = provider?.get() { fields.merge(provided) { $1 } }
        if let own = self.metadata { fields.merge(own) { $1 } }
        if let error {
            fields["error.message"] = "\(error)"
            fields["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        return fields
    }
}
