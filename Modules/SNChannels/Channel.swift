/// Constructors for the three bounded channel kinds.
///
/// | kind | constructor | endpoints |
/// |---|---|---|
/// | single producer, single consumer | ``spsc(capacity:waitStrategy:)`` | both noncopyable, not `Sendable`: moved to their threads |
/// | multiple producers, single consumer | ``mpsc(capacity:waitStrategy:)`` | sender `clone()`-able and `Sendable`; one receiver |
/// | multiple producers, multiple consumers | ``mpmc(capacity:waitStrategy:)`` | both `clone()`-able and `Sendable` |
///
/// Every channel is bounded; its capacity is rounded up to a power of two.
/// A failed send hands the element back inside ``SendError``; nothing is
/// dropped silently.
public enum Channel<Element: Sendable> {}
