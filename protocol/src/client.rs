//! Async gateway client (written next).
