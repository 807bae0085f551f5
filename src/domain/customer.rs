//! Customers: what a valid enrollment is, the kinds of notes and contacts we keep, and who may
//! do what to a customer record.

use std::collections::BTreeMap;

use validator::ValidateEmail;

use super::staff::{Authority, Role};

/// A field error: the field's name and the message id that explains it.
pub type FieldErrors = BTreeMap<&'static str, &'static str>;

pub const NAME_MAX_CHARS: usize = 120;
pub const TEXT_MAX_CHARS: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Phone,
    Sms,
    None,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Email, Channel::Phone, Channel::Sms, Channel::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Phone => "phone",
            Channel::Sms => "sms",
            Channel::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What a fitter types to enroll a customer, before checking.
#[derive(Debug, Clone, Default)]
pub struct EnrollmentInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub channel: String,
    pub marketing_consent: bool,
}

/// A checked enrollment: a name and at least one way to reach the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub phone_digits: Option<String>,
    pub channel: Channel,
    pub marketing_consent: bool,
}

impl Enrollment {
    pub fn parse(input: &EnrollmentInput) -> Result<Enrollment, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = collapse_spaces(&input.name);
        if name.is_empty() {
            errors.insert("name", "customer-name-required");
        } else if name.chars().count() > NAME_MAX_CHARS {
            errors.insert("name", "customer-name-too-long");
        } else if has_hidden_characters(&name) {
            errors.insert("name", "name-hidden-characters");
        }
        let email = input.email.trim().to_lowercase();
        let email = (!email.is_empty()).then_some(email);
        if let Some(e) = &email {
            if !is_deliverable_email(e) {
                errors.insert("email", "email-invalid");
            }
        }
        let phone = collapse_spaces(&input.phone);
        let phone = (!phone.is_empty()).then_some(phone);
        let phone_digits = match &phone {
            Some(p) => match phone_digits(p) {
                Some(d) => Some(d),
                None => {
                    errors.insert("phone", "phone-invalid");
                    None
                }
            },
            None => None,
        };
        if email.is_none() && phone.is_none() {
            errors.insert("email", "customer-contact-required");
        }
        let channel = if input.channel.is_empty() {
            if email.is_some() { Channel::Email } else { Channel::Phone }
        } else {
            match Channel::parse(&input.channel) {
                Some(c) => c,
                None => {
                    errors.insert("channel", "channel-invalid");
                    Channel::None
                }
            }
        };
        // "Choose for me" without any contact is the missing contact's mistake alone.
        let judged = !input.channel.is_empty() || email.is_some() || phone.is_some();
        if judged && channel == Channel::Email && email.is_none() && !errors.contains_key("channel") {
            errors.insert("channel", "channel-needs-email");
        }
        if judged && matches!(channel, Channel::Phone | Channel::Sms) && phone.is_none() {
            errors.insert("channel", "channel-needs-phone");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Enrollment { name, email, phone, phone_digits, channel, marketing_consent: input.marketing_consent })
    }
}

/// Control characters, the invisible format characters (Unicode category Cf: bidirectional
/// overrides and isolates, zero-width space, direction marks, soft hyphen, byte-order mark,
/// tag characters, invisible operators) and private-use characters, which no font agrees on:
/// a name or a label line with them can show as another text, or as nothing. Joiners (U+200C,
/// U+200D) stay: emoji and several scripts (Persian, Indic) need them.
/// An address mail can reach and a person can type again: the RFC shape (`validator`), no
/// invisible characters (`zw@example.com` with a zero-width space signed up an account its
/// owner could never sign in to), and a domain with a dot (`name@examplecom` is a typo).
pub fn is_deliverable_email(email: &str) -> bool {
    let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    email.len() <= 254 && email.validate_email() && !has_hidden_characters(email) && domain.trim_matches('.').contains('.')
}

pub fn has_hidden_characters(s: &str) -> bool {
    s.chars().any(|c| {
        c.is_control()
            || matches!(c,
                '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}' | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{180E}'
                | '\u{200B}' | '\u{200E}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}' | '\u{E0001}' | '\u{E0020}'..='\u{E007F}'
                | '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{FFFFD}' | '\u{100000}'..='\u{10FFFD}')
    })
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The digits of a phone number as typed (E.164 allows at most 15), with a leading `+` kept;
/// `None` when it cannot be a phone number.
pub fn phone_digits(s: &str) -> Option<String> {
    let s = s.trim();
    if !s.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) || s.rfind('+').is_some_and(|i| i > 0) {
        return None;
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if !(6..=15).contains(&digits.len()) {
        return None;
    }
    Some(if s.starts_with('+') { format!("+{digits}") } else { digits })
}

/// A customer reference as printed on work orders: short, unambiguous, not guessable.
pub fn new_reference() -> String {
    format!("AT-{}", super::codes::random_code(6))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreferenceKind {
    /// Applies to future orders ("prefers a relaxed fit").
    Standing,
    /// This order only: one unusual wish must not change every later order.
    OneOff,
}

impl PreferenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PreferenceKind::Standing => "standing",
            PreferenceKind::OneOff => "one_off",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "standing" => Some(Self::Standing),
            "one_off" => Some(Self::OneOff),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    Visit,
    Call,
    Message,
    Complaint,
    Feedback,
}

impl ContactKind {
    pub const ALL: [ContactKind; 5] =
        [ContactKind::Visit, ContactKind::Call, ContactKind::Message, ContactKind::Complaint, ContactKind::Feedback];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Visit => "visit",
            ContactKind::Call => "call",
            ContactKind::Message => "message",
            ContactKind::Complaint => "complaint",
            ContactKind::Feedback => "feedback",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ContactKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A contact to log, checked: feedback carries a rating 1–5, a complaint starts open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub kind: ContactKind,
    pub summary: String,
    pub rating: Option<i32>,
}

impl NewContact {
    pub fn parse(kind: &str, summary: &str, rating: &str) -> Result<NewContact, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = ContactKind::parse(kind);
        if kind.is_none() {
            errors.insert("kind", "contact-kind-invalid");
        }
        let summary = summary.trim().to_owned();
        if summary.chars().count() > TEXT_MAX_CHARS {
            errors.insert("summary", "text-too-long");
        }
        let rating = match (kind, rating.trim()) {
            (Some(ContactKind::Feedback), r) => match r.parse::<i32>() {
                Ok(n) if (1..=5).contains(&n) => Some(n),
                _ => {
                    errors.insert("rating", "rating-required");
                    None
                }
            },
            _ => None,
        };
        if summary.is_empty() && kind != Some(ContactKind::Feedback) {
            errors.insert("summary", "contact-summary-required");
        }
        match kind {
            Some(kind) if errors.is_empty() => Ok(NewContact { kind, summary, rating }),
            _ => Err(errors),
        }
    }
}

/// Merging and erasing lose information: managers may do it for customers of their store,
/// administrators for any; fitters never.
pub fn may_merge_or_erase(who: &Authority, home_store_id: Option<i64>) -> bool {
    match who.role {
        Role::Admin => true,
        Role::Manager => home_store_id.is_some_and(|s| who.store_id == Some(s)),
        Role::Fitter => false,
    }
}

/// Marketing needs the customer's recorded consent and a channel to use.
pub fn may_send_marketing(consent: bool, channel: Channel) -> bool {
    consent && channel != Channel::None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(name: &str, email: &str, phone: &str) -> EnrollmentInput {
        EnrollmentInput { name: name.into(), email: email.into(), phone: phone.into(), ..Default::default() }
    }

    #[test]
    fn a_name_and_one_contact_are_enough_to_enroll() {
        let e = Enrollment::parse(&input("  Ana   Silva ", "Ana@Example.com", "")).unwrap();
        assert_eq!(e.name, "Ana Silva");
        assert_eq!(e.email.as_deref(), Some("ana@example.com"));
        assert_eq!(e.channel, Channel::Email);
        let e = Enrollment::parse(&input("李娜", "", "+86 138 0013 8000")).unwrap();
        assert_eq!(e.phone_digits.as_deref(), Some("+8613800138000"));
        assert_eq!(e.channel, Channel::Phone);
    }

    #[test]
    fn an_enrollment_without_name_or_contact_names_both_fields() {
        let errors = Enrollment::parse(&input("", "", "")).unwrap_err();
        assert_eq!(errors.get("name"), Some(&"customer-name-required"));
        assert_eq!(errors.get("email"), Some(&"customer-contact-required"));
        assert_eq!(errors.get("channel"), None, "with the channel left to us, only the missing contact is the mistake");
        for hidden in ["Nul\u{0}Name", "Eve\u{202E}gnp.exe", "Zero\u{200B}Width"] {
            let input = EnrollmentInput { name: hidden.into(), ..Default::default() };
            assert_eq!(Enrollment::parse(&input).unwrap_err().get("name"), Some(&"name-hidden-characters"), "{hidden:?}");
        }
        // Joiners are part of emoji and of several scripts.
        let input = EnrollmentInput { name: "Emoji 🚴\u{200D}♀\u{FE0F} Rider".into(), ..Default::default() };
        assert!(Enrollment::parse(&input).unwrap_err().get("name").is_none());
    }

    #[test]
    fn bad_emails_and_phones_are_refused_at_their_field() {
        let errors = Enrollment::parse(&input("Ana", "ana@", "12ab")).unwrap_err();
        assert_eq!(errors.get("email"), Some(&"email-invalid"));
        assert_eq!(errors.get("phone"), Some(&"phone-invalid"));
        assert!(phone_digits("123").is_none());
        assert!(phone_digits("1234567890123456").is_none());
        assert!(phone_digits("0171 555-1234").is_some());
        assert!(phone_digits("0171+5551234").is_none());
    }

    #[test]
    fn a_channel_needs_the_contact_it_uses() {
        let mut i = input("Ana", "ana@example.com", "");
        i.channel = "sms".into();
        assert_eq!(Enrollment::parse(&i).unwrap_err().get("channel"), Some(&"channel-needs-phone"));
    }

    #[test]
    fn feedback_needs_a_rating_from_one_to_five() {
        assert_eq!(NewContact::parse("feedback", "", "6").unwrap_err().get("rating"), Some(&"rating-required"));
        assert_eq!(NewContact::parse("feedback", "", "4").unwrap().rating, Some(4));
        assert_eq!(NewContact::parse("call", " ", "").unwrap_err().get("summary"), Some(&"contact-summary-required"));
        assert!(NewContact::parse("fax", "x", "").is_err());
    }

    #[test]
    fn only_managers_of_the_home_store_and_admins_merge_or_erase() {
        let fitter = Authority { role: Role::Fitter, store_id: Some(1) };
        let manager = Authority { role: Role::Manager, store_id: Some(1) };
        let admin = Authority { role: Role::Admin, store_id: None };
        assert!(!may_merge_or_erase(&fitter, Some(1)));
        assert!(may_merge_or_erase(&manager, Some(1)));
        assert!(!may_merge_or_erase(&manager, Some(2)));
        assert!(may_merge_or_erase(&admin, Some(2)));
    }

    #[test]
    fn references_look_alike() {
        let r = new_reference();
        assert!(r.starts_with("AT-") && r.len() == 9);
    }

    proptest! {
        #[test]
        fn enrollment_parsing_never_panics(name in ".{0,200}", email in ".{0,80}", phone in ".{0,40}", channel in ".{0,10}") {
            let _ = Enrollment::parse(&EnrollmentInput { name, email, phone, channel, marketing_consent: true });
        }
    }
}
