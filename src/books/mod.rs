//! The Zoho Books REST side: the API client and the JSON -> Arrow conversion of its resources.

pub mod organizations;
