// `make bench`: the cost per dataset of writing and reading, through the HDF5 tree layer
// alone (HDF5File.write / HDF5File.read), a file of 20,004 small datasets in 5,003 groups: the
// shape of a large `.t1c`. Figures are printed, never asserted (this was a timed unit test).
import CelestaIR
#if canImport(Glibc)
import Glibc
#endif

func bigTree(storage: HDF5Storage) throws -> HDF5Group {
    var nodes = HDF5Group()
    nodes.children.reserveCapacity(5000)
    let bias = try Tensor(float32: [0.5, 1, 1.5, 2])
    let stride = try Tensor(int64: [1, 1])
    func name(_ i: Int) -> String {
        let digits = String(i)
        return "n" + String(repeating: "0", count: 5 - digits.count) + digits
    }
    for i in 0..<5000 {
        let node = HDF5Group(children: [
            (name: "bias", node: .dataset(HDF5Dataset(.numbers(bias), storage: storage))),
            (name: "groups", node: .dataset(HDF5Dataset(.numbers(try Tensor(int64: [i], shape: []))))),
            (name: "stride", node: .dataset(HDF5Dataset(.numbers(stride), storage: storage))),
            (name: "type", node: .dataset(HDF5Dataset(.string("Conv2d")))),
        ])
        nodes.children.append((name: name(i), node: .group(node)))
    }
    let names = (0..<4999).map(name)
    let edges = HDF5Group(children: [
        (name: "dst", node: .dataset(HDF5Dataset(.strings(Array(names.dropFirst()) + ["n04999"])))),
        (name: "src", node: .dataset(HDF5Dataset(.strings(names)))),
    ])
    let graph = HDF5Group(children: [
        (name: "edges", node: .group(edges)),
        (name: "nodes", node: .group(nodes)),
        (name: "type", node: .dataset(HDF5Dataset(.string("Graph")))),
    ])
    return HDF5Group(children: [
        (name: "graph", node: .group(graph)),
        (name: "version", node: .dataset(HDF5Dataset(.string("0.0.1")))),
    ])
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

let datasets = 20_004
let repeats = CommandLine.arguments.count > 1 ? max(1, Int(CommandLine.arguments[1]) ?? 5) : 5
var template = Array("/tmp/celesta-bench-hdf5-XXXXXX".utf8CString)
guard let folderPointer = mkdtemp(&template) else { fatalError("cannot make a temporary folder") }
let folder = String(cString: folderPointer)
let path = folder + "/big.h5"
defer {
    unlink(path)
    rmdir(folder)
}
let clock = ContinuousClock()
for storage in [HDF5Storage.contiguous, .compact] {
    let tree = try bigTree(storage: storage)
    var write = Double.infinity, read = Double.infinity
    var back = HDF5Group()
    for _ in 0..<repeats {
        write = min(write, seconds(try clock.measure { try HDF5File.write(tree, to: path) }))
        read = min(read, seconds(try clock.measure { back = try HDF5File.read(path: path) }))
    }
    var info = stat()
    _ = stat(path, &info)
    let perWrite = write / Double(datasets) * 1e6, perRead = read / Double(datasets) * 1e6
    let label = storage == .contiguous ? "contiguous" : "compact"
    print("swift HDF5 tree layer, \(datasets) datasets in 5,003 groups, \(label) (\(info.st_size) B): "
        + "write \((perWrite * 100).rounded() / 100) µs/dataset, read \((perRead * 100).rounded() / 100) µs/dataset "
        + "(best of \(repeats))\(back == tree ? "" : "  !! the tree read back differs")")
}
