//! Names and definitions of the measurements, in English and Simplified Chinese.
//!
//! The definitions follow ISO 8559-1:2017 (body landmarks and measuring posture), with the
//! EN 13402-1 wording for the garment measurements (chest, neck, inside leg, arm length).
//! They are paraphrases: the standards' text is not public. Chinese terms follow the usual
//! garment-industry names (GB/T 16160 uses the same landmarks).

use super::{Lang, Measurement};

pub(super) fn name(m: Measurement, lang: Lang) -> &'static str {
    let (en, zh) = names(m);
    pick(lang, en, zh)
}

pub(super) fn definition(m: Measurement, lang: Lang) -> &'static str {
    let (en, zh) = definitions(m);
    pick(lang, en, zh)
}

fn pick(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    }
}

fn names(m: Measurement) -> (&'static str, &'static str) {
    match m {
        Measurement::Stature => ("Stature", "身高"),
        Measurement::BodyMass => ("Body mass", "体重"),
        Measurement::HeadGirth => ("Head girth", "头围"),
        Measurement::NeckGirth => ("Neck girth", "颈围"),
        Measurement::ShoulderWidth => ("Shoulder width", "肩宽"),
        Measurement::ChestGirth => ("Chest / bust girth", "胸围"),
        Measurement::WaistGirth => ("Waist girth", "腰围"),
        Measurement::HipGirth => ("Hip girth", "臀围"),
        Measurement::ThighGirth => ("Thigh girth", "大腿围"),
        Measurement::ArmLength => ("Arm length", "臂长"),
        Measurement::HandGirth => ("Hand girth", "掌围"),
        Measurement::InsideLeg => ("Inside leg", "内腿长"),
        Measurement::FootLength => ("Foot length", "足长"),
    }
}

fn definitions(m: Measurement) -> (&'static str, &'static str) {
    match m {
        Measurement::Stature => (
            "Vertical distance from the floor to the highest point of the head (vertex), the \
             person standing erect and barefoot, feet together, head in the Frankfurt plane.",
            "受测者赤足直立、双脚并拢、头部保持法兰克福平面时，从地面到头顶最高点的垂直距离。",
        ),
        Measurement::BodyMass => (
            "Mass of the whole body, weighed barefoot in light underwear.",
            "受测者赤足、仅穿轻薄内衣时称得的全身质量。",
        ),
        Measurement::HeadGirth => (
            "Maximum horizontal girth of the head, the tape passing just above the eyebrows and \
             the ears and over the most prominent point of the back of the head.",
            "头部最大水平围长：软尺经过眉弓上方、耳朵上方及后脑最突出点。",
        ),
        Measurement::NeckGirth => (
            "Girth of the neck, the tape passing about 2 cm below the Adam's apple and over the \
             7th cervical vertebra, at right angles to the neck.",
            "颈部围长：软尺经过喉结下方约 2 cm 及第七颈椎点，与颈部垂直。",
        ),
        Measurement::ShoulderWidth => (
            "Straight distance between the left and right acromion points (the outer tips of the \
             shoulder bones), measured across the back.",
            "左右肩峰点（肩胛骨外端）之间经背部的直线距离。",
        ),
        Measurement::ChestGirth => (
            "Maximum horizontal girth of the chest during normal breathing, the tape passing \
             under the armpits, over the shoulder blades and across the chest; for women, over \
             the bust points (bust girth).",
            "正常呼吸时胸部的最大水平围长：软尺经过腋下、肩胛骨和胸部；女性经过乳点（即胸围）。",
        ),
        Measurement::WaistGirth => (
            "Horizontal girth of the natural waist, midway between the lowest rib and the top of \
             the hip bone (iliac crest), during normal breathing with the abdomen relaxed.",
            "自然腰线处的水平围长：位于最低肋骨与髂嵴之间的中点，正常呼吸、腹部放松时测量。",
        ),
        Measurement::HipGirth => (
            "Horizontal girth around the buttocks at their fullest point, the person standing \
             erect with feet together.",
            "受测者直立、双脚并拢时，臀部最丰满处的水平围长。",
        ),
        Measurement::ThighGirth => (
            "Horizontal girth of the thigh at its highest point, just below the gluteal fold, \
             the person standing with feet slightly apart and weight on both legs.",
            "大腿最高处、紧贴臀沟下方的水平围长；受测者双脚略分开站立，体重均匀分布于两腿。",
        ),
        Measurement::ArmLength => (
            "Distance from the acromion (shoulder point) over the elbow to the wrist bone \
             (ulnar styloid), with the fist clenched on the hip and the elbow bent at 90°.",
            "握拳叉腰、肘部弯曲 90° 时，从肩峰点经肘部到腕骨（尺骨茎突）的距离。",
        ),
        Measurement::HandGirth => (
            "Girth of the hand over the knuckles of the index to little finger, thumb excluded, \
             hand flat with fingers together.",
            "手掌平伸、四指并拢时，经食指至小指掌指关节处的围长（不含拇指）。",
        ),
        Measurement::InsideLeg => (
            "Vertical distance from the crotch to the floor (crotch height), the person standing \
             erect and barefoot, feet slightly apart, weight on both legs. A cycling inseam taken \
             with a book pressed into the crotch reads higher.",
            "受测者赤足直立、双脚略分开、体重均匀分布时，从会阴点到地面的垂直距离（会阴高）。\
             骑行时用书本顶住会阴量得的跨高会略大。",
        ),
        Measurement::FootLength => (
            "Greatest distance from the back of the heel to the tip of the longest toe, parallel \
             to the long axis of the foot, standing with weight on the foot.",
            "站立负重时，沿足部长轴从足跟后缘到最长脚趾尖的最大距离。",
        ),
    }
}
