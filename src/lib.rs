//! kantorovich
