/// A stored row that this version cannot read as its record: a column missing, NULL where the
/// record needs a value, a value of another type, an enumeration value it does not know, JSON
/// that does not decode. Both stores throw it instead of crashing or substituting a default;
/// the row is left as it is, the request that needed it fails (the HTTP layer logs it and
/// answers 500 `server_error`, as for any unexpected failure), and other rows still read.
public struct StoreRecordUnreadable: Error, CustomStringConvertible, Equatable {
    /// The table the row was read from.
    public var table: String
    /// The column that could not be read.
    public var column: String
    /// What is wrong with it. Never the stored value itself, which may be a secret's digest or
    /// a sealed box; only enumeration values, which are not secret, are quoted.
    public var problem: String

    public init(table: String, column: String, problem: String) {
        self.table = table
        self.column = column
        self.problem = problem
    }

    public var description: String { "A row of \(table) cannot be read: column \(column) \(problem)" }
}
