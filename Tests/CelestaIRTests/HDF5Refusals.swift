import CelestaIR
import XCTest

/// Reads `bytes` as the HDF5 file `name` once per entry of `throughLibrary`
/// (`HDF5File.read(bytes:name:throughLibrary:)`) and expects each read refused with `code` and
/// a message that starts with the file's name and holds `text`.
func assertHDF5Refused(
    _ bytes: [UInt8], _ code: StatusCode, containing text: String, name: String, throughLibrary: [Bool],
    file: StaticString, line: UInt
) {
    for library in throughLibrary {
        do {
            _ = try HDF5File.read(bytes: bytes, name: name, throughLibrary: library)
            XCTFail("read succeeded", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
            XCTAssertTrue(error.message.hasPrefix("'\(name)': "), "\(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(text), "\(error)", file: file, line: line)
        }
    }
}
