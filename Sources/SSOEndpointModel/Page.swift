import SSOCore

/// An HTML page a module asks the HTTP layer to render: a template of `Resources/templates`,
/// in the browser's language (`{{t.key}}` in the template reads the message catalog).
public struct Page: Sendable {
    public var template: String
    /// Plain values, escaped by the template engine. A non-empty value is true for a section.
    public var values: [String: String]
    /// Lists of records for `{{#name}}…{{/name}}` sections (the login page's providers).
    public var lists: [String: [[String: String]]]
    /// Values given as messages of the catalog, rendered in the browser's language.
    public var messages: [String: PageMessage]
    /// Scopes to list as `scopes` (each with `name` and `description`), described in the
    /// browser's language as on the consent page.
    public var scopes: ScopeSet?
    /// Where the page's form may end up besides this server: the relying party's redirect URI
    /// when the form's answer is the redirect back to it (the page's policy allows it).
    public var formTarget: String?
    /// More places the page's forms may end up (the account page's link buttons lead to the
    /// upstream providers' authorization endpoints).
    public var otherFormTargets: [String] = []

    public init(
        _ template: String, values: [String: String] = [:], lists: [String: [[String: String]]] = [:],
        messages: [String: PageMessage] = [:], scopes: ScopeSet? = nil, formTarget: String? = nil
    ) {
        self.template = template
        self.values = values
        self.lists = lists
        self.messages = messages
        self.scopes = scopes
        self.formTarget = formTarget
    }
}

/// Text for a page: a message of the catalog (with `%d` replaced by `argument`), or text as it is.
public enum PageMessage: Sendable, Equatable, ExpressibleByStringLiteral {
    case key(String, argument: String? = nil)
    case text(String)

    /// A literal names a message of the catalog.
    public init(stringLiteral key: String) { self = .key(key) }
}
