import Foundation

/// Reads a file descriptor line by line through one fixed buffer, so that a file of a million
/// lines is never held whole. Lines end with `\n` (a `\r` before it is dropped); a line longer
/// than `maximumLength` is returned as `nil` bytes and the reader goes on after it.
struct LineReader {
    struct Line {
        var number: Int
        /// `nil` when the line was too long.
        var bytes: ArraySlice<UInt8>?
    }

    let descriptor: Int32
    let maximumLength: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false
    private var number = 0

    init(descriptor: Int32, maximumLength: Int = 1 << 20) {
        self.descriptor = descriptor
        self.maximumLength = maximumLength
    }

    mutating func next() throws -> Line? {
        var overlong = false
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                number += 1
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                overlong = overlong || end - start > maximumLength
                let line = Line(number: number, bytes: overlong ? nil : buffer[start..<end])
                start = newline + 1
                return line
            }
            if ended {
                guard start < buffer.count || overlong else { return nil }
                number += 1
                overlong = overlong || buffer.count - start > maximumLength
                let line = Line(number: number, bytes: overlong ? nil : buffer[start...])
                start = buffer.count
                return line
            }
            if buffer.count - start > maximumLength {
                overlong = true
                start = buffer.count
            }
            try fill()
        }
    }

    /// Moves the unread rest to the front and reads the next chunk after it.
    private mutating func fill() throws {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = 1 << 16
        let count = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        let read = buffer.withUnsafeMutableBytes { raw in
            Foundation.read(descriptor, raw.baseAddress! + count, chunk)
        }
        guard read >= 0 else {
            throw ValidationFailure("Reading the input failed: \(String(cString: strerror(errno))).")
        }
        buffer.removeLast(chunk - read)
        if read == 0 { ended = true }
    }
}

/// A failure of the command the user can act on, printed as it is.
struct ValidationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
