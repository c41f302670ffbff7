// Placeholder types that documentation fragments use without declaring them
// (Tools/ci/check-snippets.py copies this file next to the fragments). Values
// a fragment needs come from its own `<!-- snippet: setup … -->` comment.

/// An order, as in the channel and pool examples.
struct Order: Sendable {
  var account = "acct-1"
  var amount = 1
}

/// The state an order is applied to.
final class OrderBook {
  var total = 0
  func apply(_ order: Order) { total += order.amount }
}

/// A message, as in the arena examples.
struct Message: Sendable {
  var id = 0
  var handled = false
}
