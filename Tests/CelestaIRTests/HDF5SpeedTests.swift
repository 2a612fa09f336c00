import CelestaIR
import Foundation
import XCTest

/// Prints the cost per dataset of writing and reading a file of 20,000 small datasets in 5,000
/// groups (the shape of a large `.t1c`). Not an assertion: a figure to watch.
final class HDF5SpeedTests: XCTestCase {
    static func bigTree(storage: HDF5Storage) throws -> (tree: HDF5Group, datasets: Int) {
        var nodes = HDF5Group()
        nodes.children.reserveCapacity(5000)
        let bias = try Tensor(float32: [0.5, 1, 1.5, 2])
        let stride = try Tensor(int64: [1, 1])
        for i in 0..<5000 {
            let node = HDF5Group(children: [
                (name: "bias", node: .dataset(HDF5Dataset(.numbers(bias), storage: storage))),
                (name: "groups", node: .dataset(HDF5Dataset(.numbers(try Tensor(int64: [i], shape: []))))),
                (name: "stride", node: .dataset(HDF5Dataset(.numbers(stride), storage: storage))),
                (name: "type", node: .dataset(HDF5Dataset(.string("Conv2d")))),
            ])
            nodes.children.append((name: String(format: "n%05d", i), node: .group(node)))
        }
        let names = (0..<4999).map { String(format: "n%05d", $0) }
        let edges = HDF5Group(children: [
            (name: "dst", node: .dataset(HDF5Dataset(.strings(Array(names.dropFirst()) + ["n04999"])))),
            (name: "src", node: .dataset(HDF5Dataset(.strings(names)))),
        ])
        let graph = HDF5Group(children: [
            (name: "edges", node: .group(edges)),
            (name: "nodes", node: .group(nodes)),
            (name: "type", node: .dataset(HDF5Dataset(.string("Graph")))),
        ])
        let root = HDF5Group(children: [
            (name: "graph", node: .group(graph)),
            (name: "version", node: .dataset(HDF5Dataset(.string("0.0.1")))),
        ])
        return (root, 20_004)
    }

    func testSpeedOf20000SmallDatasets() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        for storage in [HDF5Storage.contiguous, .compact] {
            let (tree, datasets) = try Self.bigTree(storage: storage)
            let path = folder.appendingPathComponent("big.t1c").path
            let clock = ContinuousClock()
            var write = Duration.zero, read = Duration.zero
            var back = HDF5Group()
            for _ in 0..<3 {
                let w = clock.measure { try? HDF5File.write(tree, to: path) }
                let r = clock.measure { back = (try? HDF5File.read(path: path)) ?? HDF5Group() }
                write = write == .zero ? w : min(write, w)
                read = read == .zero ? r : min(read, r)
            }
            XCTAssertTrue(back == tree, "the tree read back differs")
            func perDataset(_ d: Duration) -> String {
                String(format: "%.2f", Double(d.components.attoseconds) / 1e12 / Double(datasets) + Double(d.components.seconds) * 1e6 / Double(datasets))
            }
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            print("HDF5 speed (\(storage), \(datasets) datasets, 5,003 groups, \(size) bytes): write \(perDataset(write)) µs/dataset, read \(perDataset(read)) µs/dataset (best of 3)")
        }
    }
}
