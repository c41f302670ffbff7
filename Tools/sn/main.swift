// `sn`: the command-line tool of swift-shared-nothing. The logic lives in
// SNToolKit (Tools/SNTool) so that tests can drive it; this is the entry point.
import SNToolKit

SNTool.main()
