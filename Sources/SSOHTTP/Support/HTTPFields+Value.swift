import HTTPTypes

extension HTTPFields {
    /// The value of the field `name`, as `self[name]` gives it, for the hot single-valued
    /// headers (Authorization, Content-Type, Content-Length). `self[name]` joins the values of
    /// every field with the name through a lazy generic sequence, which instantiates generic
    /// metadata and builds a new string on each call: about 2% of an introspection request for
    /// its three lookups (perf). One field (the usual case) is returned as it is; several are
    /// joined exactly as before, so a repeated header still reads as malformed.
    func value(_ name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            if found != nil { return self[name] }
            found = field.value
        }
        return found
    }
}
