//! Feedback (a rating with a comment) and complaints (a reason, perhaps a remake or a
//! return, perhaps resolved on the spot) about one order, as a form sends them.

use crate::domain::customer::{FieldErrors, TEXT_MAX_CHARS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    Remake,
    Return,
}

impl Remedy {
    pub fn as_str(self) -> &'static str {
        match self {
            Remedy::Remake => "remake",
            Remedy::Return => "return",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderContact {
    Feedback { rating: i32, comment: String },
    Complaint { reason: String, remedy: Option<Remedy>, resolved: bool },
}

impl OrderContact {
    pub fn parse(kind: &str, text: &str, rating: &str, remedy: &str, resolved: bool) -> Result<OrderContact, FieldErrors> {
        let mut errors = FieldErrors::new();
        let text = text.trim().to_owned();
        if text.chars().count() > TEXT_MAX_CHARS {
            errors.insert("text", "text-too-long");
        }
        let parsed = match kind {
            "feedback" => match rating.trim().parse::<i32>() {
                Ok(r) if (1..=5).contains(&r) => Some(OrderContact::Feedback { rating: r, comment: text }),
                _ => {
                    errors.insert("rating", "rating-required");
                    None
                }
            },
            "complaint" => {
                if text.is_empty() {
                    errors.insert("text", "complaint-reason-required");
                }
                let remedy = match remedy.trim() {
                    "" | "none" => Some(None),
                    "remake" => Some(Some(Remedy::Remake)),
                    "return" => Some(Some(Remedy::Return)),
                    _ => None,
                };
                if remedy.is_none() {
                    errors.insert("remedy", "remedy-invalid");
                }
                remedy.map(|remedy| OrderContact::Complaint { reason: text, remedy, resolved })
            }
            _ => {
                errors.insert("kind", "contact-kind-invalid");
                None
            }
        };
        match parsed {
            Some(c) if errors.is_empty() => Ok(c),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_needs_a_rating_from_one_to_five() {
        assert_eq!(OrderContact::parse("feedback", " great ", "5", "", false), Ok(OrderContact::Feedback { rating: 5, comment: "great".into() }));
        assert_eq!(OrderContact::parse("feedback", "", "6", "", false).unwrap_err().get("rating"), Some(&"rating-required"));
        assert_eq!(OrderContact::parse("feedback", "", "", "", false).unwrap_err().get("rating"), Some(&"rating-required"));
    }

    #[test]
    fn a_complaint_needs_a_reason_and_a_known_remedy() {
        assert_eq!(
            OrderContact::parse("complaint", "seam split", "", "remake", true),
            Ok(OrderContact::Complaint { reason: "seam split".into(), remedy: Some(Remedy::Remake), resolved: true })
        );
        assert_eq!(OrderContact::parse("complaint", "  ", "", "", false).unwrap_err().get("text"), Some(&"complaint-reason-required"));
        assert_eq!(OrderContact::parse("complaint", "x", "", "refund", false).unwrap_err().get("remedy"), Some(&"remedy-invalid"));
        assert_eq!(OrderContact::parse("praise", "x", "", "", false).unwrap_err().get("kind"), Some(&"contact-kind-invalid"));
        assert_eq!(OrderContact::parse("complaint", &"x".repeat(TEXT_MAX_CHARS + 1), "", "", false).unwrap_err().get("text"), Some(&"text-too-long"));
    }
}
