//! Blueprints: declarative resources, their definitions, status and history.

use serde_json::Value;

use crate::client::Client;
use crate::error::Result;
use crate::messages::{self, List};
use crate::model::Process;
use crate::resources::{Blueprint, BlueprintDefinition, BlueprintHistory};

impl Client {
    /// Adds a blueprint definition (signed by the colony key).
    pub async fn add_blueprint_definition(
        &self,
        definition: &BlueprintDefinition,
    ) -> Result<BlueprintDefinition> {
        let message = messages::AddBlueprintDefinition {
            blueprintdefinition: definition.clone(),
        };
        self.call(&message).await
    }

    /// A blueprint definition, by colony and name.
    pub async fn get_blueprint_definition(
        &self,
        colonyname: &str,
        name: &str,
    ) -> Result<BlueprintDefinition> {
        let message = messages::GetBlueprintDefinition {
            colonyname: colonyname.into(),
            name: name.into(),
        };
        self.call(&message).await
    }

    /// The blueprint definitions of a colony.
    pub async fn get_blueprint_definitions(
        &self,
        colonyname: &str,
    ) -> Result<Vec<BlueprintDefinition>> {
        let message = messages::GetBlueprintDefinitions {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Removes a blueprint definition that no blueprint uses (signed by the colony key).
    pub async fn remove_blueprint_definition(&self, colonyname: &str, name: &str) -> Result<()> {
        let message = messages::RemoveBlueprintDefinition {
            namespace: colonyname.into(),
            name: name.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// Adds a blueprint of a defined kind.
    pub async fn add_blueprint(&self, blueprint: &Blueprint) -> Result<Blueprint> {
        let message = messages::AddBlueprint {
            blueprint: blueprint.clone(),
        };
        self.call(&message).await
    }

    /// A blueprint, by colony and name.
    pub async fn get_blueprint(&self, colonyname: &str, name: &str) -> Result<Blueprint> {
        let message = messages::GetBlueprint {
            namespace: colonyname.into(),
            name: name.into(),
        };
        self.call(&message).await
    }

    /// The blueprints of a colony, of one `kind` (empty: all), at one location (empty: all).
    pub async fn get_blueprints(
        &self,
        colonyname: &str,
        kind: &str,
        locationname: &str,
    ) -> Result<Vec<Blueprint>> {
        let message = messages::GetBlueprints {
            namespace: colonyname.into(),
            kind: kind.into(),
            locationname: locationname.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Updates a blueprint; `force_generation` bumps its generation even if the spec is equal.
    pub async fn update_blueprint(
        &self,
        blueprint: &Blueprint,
        force_generation: bool,
    ) -> Result<Blueprint> {
        let message = messages::UpdateBlueprint {
            blueprint: blueprint.clone(),
            forcegeneration: force_generation,
        };
        self.call(&message).await
    }

    /// Removes a blueprint.
    pub async fn remove_blueprint(&self, colonyname: &str, name: &str) -> Result<()> {
        let message = messages::RemoveBlueprint {
            namespace: colonyname.into(),
            name: name.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// The last `limit` changes of a blueprint (0: all).
    pub async fn get_blueprint_history(
        &self,
        blueprintid: &str,
        limit: u32,
    ) -> Result<Vec<BlueprintHistory>> {
        let message = messages::GetBlueprintHistory {
            blueprintid: blueprintid.into(),
            limit: i64::from(limit),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Sets a blueprint's status (free-form JSON), as its reconciler sees it.
    pub async fn update_blueprint_status(
        &self,
        colonyname: &str,
        name: &str,
        status: Value,
    ) -> Result<()> {
        let message = messages::UpdateBlueprintStatus {
            colonyname: colonyname.into(),
            blueprintname: name.into(),
            status,
        };
        self.call(&message).await.map(drop)
    }

    /// Submits a reconcile process for a blueprint to its definition's handler.
    pub async fn reconcile_blueprint(
        &self,
        colonyname: &str,
        name: &str,
        force: bool,
    ) -> Result<Process> {
        let message = messages::ReconcileBlueprint {
            namespace: colonyname.into(),
            name: name.into(),
            force,
        };
        self.call(&message).await
    }
}
