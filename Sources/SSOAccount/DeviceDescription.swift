/// A short name for the browser and system of a `User-Agent`, for the list of sessions
/// ("Chrome on Windows"). Shown to the user only, never used for a decision; an agent it does not
/// recognise is shown as its first product token.
public enum DeviceDescription {
    public static func of(_ userAgent: String?) -> String? {
        guard let agent = userAgent, !agent.isEmpty else { return nil }
        let browser = browserName(agent)
        let system = systemName(agent)
        switch (browser, system) {
        case (let browser?, let system?): return "\(browser), \(system)"
        case (let browser?, nil): return browser
        case (nil, let system?): return system
        case (nil, nil): return agent.split(separator: " ").first.map { String($0.prefix(60)) }
        }
    }

    static func browserName(_ agent: String) -> String? {
        let browsers: [(token: String, name: String)] = [
            ("Edg/", "Edge"), ("OPR/", "Opera"), ("YaBrowser/", "Yandex Browser"), ("Firefox/", "Firefox"),
            ("HeadlessChrome/", "Chrome"), ("Chrome/", "Chrome"), ("CriOS/", "Chrome"), ("Safari/", "Safari"),
            ("curl/", "curl"), ("python-requests/", "Python"),
        ]
        return browsers.first { agent.contains($0.token) }?.name
    }

    static func systemName(_ agent: String) -> String? {
        let systems: [(token: String, name: String)] = [
            ("Windows", "Windows"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"),
        ]
        return systems.first { agent.contains($0.token) }?.name
    }
}
