/// Constructors for the three bounded channel kinds.
///
/// | kind | constructor | endpoints |
/// |---|---|---|
/// | single producer, single consumer | ``spsc(capacity:waitStrategy:)`` | both noncopyable and `Sendable`: each is moved (never copied) into the thread or task that uses it, so it has one owner |
/// | multiple producers, single consumer | ``mpsc(capacity:waitStrategy:)`` | noncopyable and `Sendable`; `clone()` the sender for each producer; one receiver |
/// | multiple producers, multiple consumers | ``mpmc(capacity:waitStrategy:)`` | noncopyable and `Sendable`; `clone()` either for each producer or consumer |
///
/// Every channel is bounded; its capacity is rounded up to a power of two.
/// A failed send hands the element back inside ``SendError``; nothing is
/// dropped silently.
public enum SNChannel<Element: Sendable> {}
