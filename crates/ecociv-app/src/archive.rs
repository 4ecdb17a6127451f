//! The yearly indicator archive of a zone (指标档案), read from the store and written by
//! `ecociv_report::archive`: values, history and evidence files of one year, every gap said.

use crate::error::AppError;

/// The yearly indicator archive of a zone, read from the store (see `ecociv_report::archive`).
pub async fn archive(store: &dyn ecociv_store::Store, plan: &ecociv_core::model::Plan, year: i32, l: ecociv_core::Locale) -> Result<Vec<u8>, AppError> {
    let z = &plan.zone.code;
    let evidence: Vec<ecociv_core::record::EvidenceRecord> = store.all_evidence(z).await?.into_iter().filter(|e| e.entity == "observation").collect();
    let observations = ecociv_core::lineage::observations_for(plan, store.observations(z).await?);
    // only the files the archive holds: those of the year's values
    let of_year: std::collections::HashSet<i64> = observations.iter().filter(|o| o.year == i64::from(year)).map(|o| o.id).collect();
    let mut blobs = std::collections::HashMap::new();
    for e in evidence.iter().filter(|e| of_year.contains(&e.entity_id)) {
        if !blobs.contains_key(&e.hash)
            && let Some(bytes) = store.blob(&e.zone, &e.hash).await?
        {
            blobs.insert(e.hash.clone(), bytes);
        }
    }
    let data = ecociv_report::archive::ArchiveData {
        plan,
        year,
        observations: &observations,
        uppers: &ecociv_core::lineage::uppers_for(plan, store.upper_targets(z).await?),
        trail: &store.trail(z).await?,
        evidence: &evidence,
        blobs: &blobs,
    };
    ecociv_report::archive::archive(&data, l).map_err(AppError::internal)
}
