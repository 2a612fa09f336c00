import CelestaIR
import Foundation
import XCTest

/// Reads every fixture `.t1c` and `.nir` file and checks it against the `hdf5_layout` recorded
/// with h5py: same objects in the same (name) order, kinds, shapes, dtypes, storage and values.
final class HDF5LayoutTests: XCTestCase {
    /// The current file's numeric values by path, parsed exactly.
    private var exact: [String: [Double]] = [:]

    func testFixturesMatchTheirRecordedLayouts() throws {
        let files = try IRFixtures.hdf5Files()
        XCTAssertEqual(files.count, 15)
        for ((path, layout), source) in zip(files, IRFixtures.layoutSources()) {
            exact = try IRFixtures.exactNumbers(source.json)
            let root = try HDF5File.read(path: path)
            let name = URL(fileURLWithPath: path).lastPathComponent
            // The layout lists every group and every dataset it describes, in h5py's visiting
            // order (large arrays may be left out); ours must have them in the same order.
            let listed = layout.map { $0["path"] as! String }.filter { $0 != "/" }
            let listedSet = Set(listed)
            XCTAssertEqual(root.paths().map(\.path).filter(listedSet.contains), listed, name)
            XCTAssertTrue(root.paths().allSatisfy { listedSet.contains($0.path) || $0.path.hasSuffix("weight") || $0.path.hasSuffix("bias") }, name)
            for entry in layout {
                check(entry, in: root, file: name)
            }
        }
    }

    private func check(_ entry: [String: Any], in root: HDF5Group, file: String) {
        let path = entry["path"] as! String
        let label = "\(file) \(path)"
        guard let node = root.node(at: path) else { return XCTFail("\(label): missing") }
        XCTAssertEqual((entry["attrs"] as? [String: Any])?.count ?? 0, 0, label)
        switch node {
        case .group(let g):
            XCTAssertEqual(entry["kind"] as? String, "group", label)
            XCTAssertTrue(g.attributes.isEmpty, label)
        case .dataset(let d):
            XCTAssertEqual(entry["kind"] as? String, "dataset", label)
            XCTAssertTrue(d.attributes.isEmpty, label)
            XCTAssertEqual(d.value.shape, entry["shape"] as? [Int], label)
            let dtype = entry["dtype"] as! [String: Any]
            switch d.value {
            case .numbers(let t):
                XCTAssertEqual(t.dtype.rawValue, dtype["numpy"] as? String, label)
                XCTAssertEqual(t.dtype.size, dtype["size_bytes"] as? Int, label)
                XCTAssertEqual(dtype["byte_order"] as? String, "little", label)
            case .bools:
                XCTAssertEqual(dtype["numpy"] as? String, "bool", label)
                XCTAssertEqual(dtype["h5class"] as? String, "enum", label)
            case .strings:
                XCTAssertEqual(dtype["h5class"] as? String, "string", label)
                XCTAssertEqual(dtype["variable_length"] as? Bool, true, label)
                XCTAssertEqual(dtype["charset"] as? String, "utf-8", label)
            }
            switch d.storage {
            case .chunked(let chunk, let level):
                XCTAssertEqual(chunk, entry["chunks"] as? [Int], label)
                XCTAssertEqual(level, entry["compression_opts"] as? Int, label)
                XCTAssertEqual(level == nil ? nil : "gzip", entry["compression"] as? String, label)
            case .contiguous, .compact:
                XCTAssertTrue(entry["chunks"] is NSNull, label)
                XCTAssertTrue(entry["compression"] is NSNull, label)
            }
            if let value = entry["value"] { checkValue(d.value, value, exact[path], label) }
        }
    }

    private func checkValue(_ value: HDF5Value, _ expected: Any, _ numbers: [Double]?, _ label: String) {
        let flat = flatten(expected)
        switch value {
        case .numbers(let t):
            XCTAssertEqual(t.count, flat.count, label)
            XCTAssertEqual(numbers?.count, t.count, label)
            for (i, e) in (numbers ?? []).enumerated() where i < t.count {
                XCTAssertEqual(t.double(at: i), e, label)
            }
        case .bools(_, let values):
            XCTAssertEqual(values, flat.map { ($0 as! NSNumber).boolValue }, label)
        case .strings(_, let values):
            XCTAssertEqual(values, flat.map { $0 as! String }, label)
        }
    }

    private func flatten(_ value: Any) -> [Any] {
        if let list = value as? [Any] { return list.flatMap(flatten) }
        return [value]
    }
}
