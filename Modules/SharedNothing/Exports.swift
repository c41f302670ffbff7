// The umbrella module: one import for every module of swift-shared-nothing.
// It holds only re-exports; depend on a single module's product to take less.

@_exported import SNAtomics
@_exported import SNChannels
@_exported import SNMemory
@_exported import SNPartition
@_exported import SNPool
@_exported import SNSimd
