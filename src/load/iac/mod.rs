//! The syntax of AKS cluster definitions, read with positions: ARM JSON templates, Bicep,
//! Terraform and `az aks` command lines. `k8s::aks_cluster` reads the cluster settings out of
//! what these parse.

pub mod arm;
pub mod az_command;
pub mod bicep;
pub mod terraform;
pub mod value_tree;
